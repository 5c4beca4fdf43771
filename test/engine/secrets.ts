/**
 * What a secret search of a Pulumi state looks for: every value `pulumi stack export
 * --show-secrets` decrypts, as lines long enough to mean something, minus what is public.
 */

/** The signature Pulumi marks a secret object with in exported state. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export interface SecretSearch {
    /** Lines of private keys and single-line secrets (passwords, tokens), 16 characters or more. */
    candidates: string[];
    /** How many secrets were single-line values. */
    singleLine: number;
}

/**
 * From the parsed `stack export --show-secrets`: each secret object ({<sig>, plaintext}) is
 * decrypted in place, so the state's strings split into secret ones and the rest. Public
 * material may share bytes with a secret (an OpenSSH private key holds its public key;
 * user-data holds the nodes' public keys): lines found in it are not secrets.
 */
export function secretSearch(revealed: unknown): SecretSearch {
    const secretStrings: string[] = [];
    const plainStrings: string[] = [];
    const leaves = (v: unknown, into: string[]): void => {
        if (typeof v === "string") {
            into.push(v);
        } else if (v !== null && typeof v === "object") {
            const o = v as Record<string, unknown>;
            if (SECRET_SIG in o && "plaintext" in o) {
                let inner: unknown = o.plaintext;
                try {
                    inner = JSON.parse(o.plaintext as string);
                } catch {
                    // a plain string
                }
                leaves(inner, secretStrings);
            } else {
                // A Command's stdout and stderr are encrypted in state as a precaution but are
                // its printed output, shown by the engine by design (logging); the scripts never
                // print a secret, which their own tests check.
                Object.entries(o).forEach(([k, x]) => (["stdout", "stderr"].includes(k) ? undefined : leaves(x, into)));
            }
        }
    };
    leaves(revealed, plainStrings);
    const publicMaterial = plainStrings.filter((v) => /PUBLIC KEY|CERTIFICATE|^(ssh-|ecdsa-sha2-)/m.test(v)).join("\n");
    const keyLines = secretStrings
        .flatMap((v) => v.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g) ?? [])
        .flatMap((block) => block.split("\n").slice(1, -1).map((l) => l.trim()));
    const singleLine = secretStrings.filter((v) => !v.includes("\n") && v.length >= 16);
    const candidates = [...new Set([...keyLines, ...singleLine])].filter((l) => l.length >= 16 && !publicMaterial.includes(l));
    return { candidates, singleLine: singleLine.length };
}
