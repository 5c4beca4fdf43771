/**
 * The libvirt connection URIs the libvirt provider can dial. libvirt's own clients (virsh)
 * take more than it does: terraform-provider-libvirt 0.8.1, bundled in pulumi-libvirt 0.5.4,
 * has a dialer of its own (libvirt/uri/*.go) that parses the URI with Go's net/url, dials
 * only the tcp, tls, unix and ssh transports, and reads a few query parameters, ignoring the
 * rest. The rules are read from its v0.8.1 source, and the refused transports, ports, user
 * parts, sshauth methods and dropped parameters were each seen failing under the real plugin.
 */
import { closest } from "./suggest";

const PROVIDER = "the libvirt provider (terraform-provider-libvirt 0.8.1)";
const EXAMPLE = "e.g. 'qemu+ssh://root@svc-1/system' or 'qemu:///system'";
const SHAPE = `must be a libvirt QEMU URI, ${EXAMPLE}`;

/** The transports ConnectionURI.Dial implements: `qemu:///system` is unix, `qemu://host/...` tls. */
export const DIALABLE_TRANSPORTS = ["ssh", "tcp", "tls", "unix"] as const;
type Transport = (typeof DIALABLE_TRANSPORTS)[number];

/** libvirt transports the provider cannot dial ("transport 'libssh2' not implemented"), with the fix. */
const UNDIALABLE: Record<string, Transport> = { libssh: "ssh", libssh2: "ssh", ext: "unix" };

/** The query parameters the provider reads, per transport (ssh.go, tls.go, unix.go). */
export const URI_PARAMETERS: Record<Transport, readonly string[]> = {
    ssh: ["keyfile", "knownhosts", "known_hosts_verify", "no_verify", "sshauth", "socket"],
    tcp: [],
    tls: ["pkipath", "no_verify"],
    unix: ["socket"],
};

/** The `sshauth` methods parseAuthMethods knows; it skips any other, and fails when none is left. */
export const SSH_AUTH_METHODS = ["agent", "privkey", "ssh-password"] as const;

const list = (words: readonly string[]): string => words.map((w) => `'${w}'`).join(", ");
const didYouMean = (guess: string | undefined): string => (guess !== undefined ? `: did you mean '${guess}'?` : "");
/** The first '%' that does not start a URL escape (two hex digits), or undefined. */
const badEscape = (text: string): string | undefined => /%(?![0-9A-Fa-f]{2}).{0,2}/.exec(text)?.[0];

/** Every reason `uri` cannot work with the libvirt provider, each with its fix; [] when it can. */
export function libvirtUriProblems(uri: string): string[] {
    const match = /^qemu(?:\+([a-z0-9]+))?:\/\/([^/?#\s]*)\/(system|session)(?:\?(\S*))?$/.exec(uri);
    if (match === null) {
        return [SHAPE];
    }
    const [, given, authority, driverPath, query] = match;
    const problems: string[] = [];

    // Go's url.Parse splits the user part off at the last '@', and the port off at the last
    // ':' (after the ']' of an IPv6 literal)
    const at = authority.lastIndexOf("@");
    const userinfo = at === -1 ? undefined : authority.slice(0, at);
    const hostPort = authority.slice(at + 1);
    const colon = hostPort.startsWith("[") ? hostPort.indexOf(":", hostPort.indexOf("]")) : hostPort.lastIndexOf(":");
    const host = colon === -1 || (hostPort.startsWith("[") && !hostPort.includes("]")) ? hostPort : hostPort.slice(0, colon);
    const port = host === hostPort ? undefined : hostPort.slice(colon + 1);

    let transport: Transport;
    if (given === undefined) {
        transport = host === "" ? "unix" : "tls";
    } else if ((DIALABLE_TRANSPORTS as readonly string[]).includes(given)) {
        transport = given as Transport;
    } else if (Object.prototype.hasOwnProperty.call(UNDIALABLE, given)) {
        transport = UNDIALABLE[given];
        const fix = transport === "ssh" ? `'${uri.replace(`qemu+${given}://`, "qemu+ssh://")}', the same host over ssh` : "'qemu:///system' for this machine, or 'qemu+ssh://root@svc-1/system' for another";
        problems.push(`transport '${given}' is not one ${PROVIDER} can dial (it fails with "transport '${given}' not implemented"; it dials qemu+ssh://, qemu+tcp://, qemu+tls:// and qemu:///system): use ${fix}`);
        if (transport === "unix") {
            return problems;
        }
    } else {
        const guess = closest(given, DIALABLE_TRANSPORTS);
        return [`'${given}' is not a libvirt transport${guess !== undefined ? `; did you mean 'qemu+${guess}://'?` : `; use one ${PROVIDER} can dial: ${DIALABLE_TRANSPORTS.join(", ")}`} (${EXAMPLE})`];
    }
    // how messages name the transport: as written, or as the fix for libssh/libssh2 writes it
    const scheme = given === undefined ? (transport === "unix" ? "qemu:///" : "qemu://<host>/ (tls)") : `qemu+${transport}://`;
    const defaultPort = transport === "tcp" ? 16509 : 16514;

    if (userinfo !== undefined) {
        const stray = /[^A-Za-z0-9\-._:~!$&'()*+,;=%@]/.exec(userinfo)?.[0];
        const escape = badEscape(userinfo);
        if (stray !== undefined) {
            problems.push(`the user part '${userinfo}' has '${stray}', which the provider's URL parser (Go net/url) refuses ("invalid userinfo"): use a plain user name, e.g. 'root'`);
        } else if (escape !== undefined) {
            problems.push(`'${escape}' in the user part '${userinfo}' is not a URL escape, so the provider's URL parser (Go net/url) refuses the URI ("invalid URL escape"): write a literal '%' as '%25', or use a plain user name, e.g. 'root'`);
        }
    }

    if (/^\[[^\]]*\]$/.test(host)) {
        const dialed = transport === "ssh" ? `[${host}]:22` : `${host.slice(1, -1)}:${port ?? defaultPort}`;
        problems.push(`the IPv6 address ${host} is one ${PROVIDER} cannot dial (it dials '${dialed}', which is no address): use a host name that resolves to it`);
    } else if (host !== "" && !/^[A-Za-z0-9._-]+$/.test(host)) {
        problems.push(`host '${host}' is not a host name or IPv4 address; write one, e.g. 'svc-1' or '10.10.0.2'`);
    }
    if (port !== undefined && !/^\d*$/.test(port)) {
        const fix = transport === "ssh" ? `remove ':${port}' (over ssh the provider reaches port 22 only)` : `write the port number, or remove ':${port}' for the default (${defaultPort})`;
        problems.push(`':${port}' is not a port: the provider's URL parser (Go net/url) takes only digits after the host, and refuses the URI ('invalid port ":${port}" after host'); ${fix}`);
    } else if (port !== undefined && transport === "ssh") {
        problems.push(
            `has ':${port}' after the host, but over ssh ${PROVIDER} then dials '${host}:${port}' as a host name and fails ("lookup ${host}:${port}: no such host", terraform-provider-libvirt#1116, fixed only after 0.8.1), and it ignores ~/.ssh/config's Port: remove ':${port}' and reach the hypervisor's sshd on port 22`,
        );
    } else if (port !== undefined && port !== "" && (Number(port) < 1 || Number(port) > 65535)) {
        problems.push(`port ${port} is not a TCP port; use one from 1 to 65535, or remove ':${port}' for the default (${defaultPort})`);
    }

    if (transport === "unix" && host !== "") {
        problems.push(`qemu+unix:// dials this machine's libvirt socket and ${PROVIDER} ignores the host '${host}': use 'qemu+ssh://root@${host}/${driverPath}' to reach ${host}, or 'qemu:///${driverPath}' for this machine`);
    } else if (transport !== "unix" && host === "") {
        problems.push(`names no host; ${scheme} connects to another machine, so give it, e.g. '${scheme}root@svc-1/system' (or 'qemu:///system' for this machine)`);
    }
    problems.push(...userProblems(userinfo, transport, host, driverPath));

    if (query !== undefined) {
        problems.push(...queryProblems(query, transport, scheme));
    }
    return problems;
}

/** The user part: no password (plain text in the stack file and state), and a user over ssh. */
function userProblems(userinfo: string | undefined, transport: Transport, host: string, driverPath: string): string[] {
    const problems: string[] = [];
    const user = userinfo?.split(":")[0] ?? "";
    if (userinfo?.includes(":") === true) {
        problems.push(
            `has a password in its user part ('${user}:<password>@'), which would sit in plain text in the stack file and, as the libvirt provider's uri, in the stack's state: remove it and log in with a key (the runner's ~/.ssh key, or keyfile=)`,
        );
    }
    if (transport === "ssh" && user === "" && host !== "") {
        problems.push(`names no user; over ssh ${PROVIDER} logs in as the URI's user only (not as you, nor as ~/.ssh/config's User), so it would log in as '' and be refused: write 'qemu+ssh://root@${host}/${driverPath}'`);
    }
    return problems;
}

/** A query key or value as Go decodes it; bytes that are not UTF-8 (%ff) stay as written. */
function decodeQueryPart(text: string): string {
    try {
        return decodeURIComponent(text);
    } catch {
        return text;
    }
}

function queryProblems(query: string, transport: Transport, scheme: string): string[] {
    const problems: string[] = [];
    if (query.includes("#")) {
        return [`'#' in the query ends the URI for the provider's URL parser (Go net/url), which loses what follows it: write it as '%23'`];
    }
    const known = URI_PARAMETERS[transport];
    const reads = known.length === 0 ? "none" : list(known);
    for (const pair of query.split("&").filter((p) => p !== "")) {
        // Go's url.Values drops a pair it cannot read without a word, so the provider never sees it
        const escape = badEscape(pair);
        if (pair.includes(";")) {
            problems.push(`'${pair}' has a ';', and the provider's URL parser (Go net/url) drops such a parameter without a word: separate parameters with '&'`);
            continue;
        }
        if (escape !== undefined) {
            problems.push(`'${escape}' in '${pair}' is not a URL escape, and the provider's URL parser (Go net/url) drops such a parameter without a word: write a literal '%' as '%25'`);
            continue;
        }
        if (pair.includes("+")) {
            problems.push(`'+' in '${pair}' reads as a space to the provider's URL parser (Go net/url): write '%2B' for a '+'`);
        }
        const [key, value = ""] = pair.split(/=(.*)/s, 2).map((p) => decodeQueryPart(p.replace(/\+/g, " ")));
        if (key === "name") {
            problems.push(`'name' makes ${PROVIDER} open that URI on the host instead of the URI's own path; this program drives QEMU there: remove name=${value}`);
        } else if (!known.includes(key)) {
            problems.push(`'${key}' is not a parameter ${PROVIDER} reads for ${scheme} (it reads ${reads}), so it would be ignored${didYouMean(closest(key, known)) || "; remove it"}`);
        } else if (key === "sshauth") {
            for (const method of value.split(",").filter((m) => m !== "")) {
                if (!(SSH_AUTH_METHODS as readonly string[]).includes(method)) {
                    const guess = closest(method.trim(), SSH_AUTH_METHODS) ?? SSH_AUTH_METHODS.find((m) => m.endsWith(`-${method.trim()}`));
                    problems.push(
                        `sshauth '${method}' is not an SSH authentication method ${PROVIDER} knows (it knows ${list(SSH_AUTH_METHODS)}); it skips it, and with no method left fails ("could not configure SSH authentication methods")${didYouMean(guess)}`,
                    );
                } else if (method === "ssh-password") {
                    // the password would come from the URI's user part, which is refused above
                    problems.push(`sshauth 'ssh-password' takes the password from the URI's user part, in plain text in the stack file and state: use 'privkey' (with keyfile=) or 'agent'`);
                }
            }
        } else if (key === "no_verify" && transport === "ssh" && value !== "" && value !== "1") {
            problems.push(`no_verify=${value} turns host key checking off all the same: over ssh ${PROVIDER} only looks whether no_verify is there, not at its value; remove it to check host keys against known_hosts, or write no_verify=1`);
        } else if (key === "known_hosts_verify" && value !== "normal" && value !== "ignore") {
            problems.push(`known_hosts_verify=${value}: ${PROVIDER} skips the host key check for 'ignore' only and checks against known_hosts for any other value, never adding a key (as libvirt's 'auto' would): write 'normal' or 'ignore'`);
        }
    }
    return problems;
}
