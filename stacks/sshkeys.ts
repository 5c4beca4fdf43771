/**
 * SSH keys as the stack gives them: the public key a site logs in with and the private key
 * the program logs in with. Parsed here, without ssh-keygen, so validation can tell a key
 * that cannot work (truncated, a path, the wrong half, not the pair of the other) before
 * any VM exists.
 *
 * OpenSSH's own private key format (`openssh-key-v1`, PROTOCOL.key) carries the public key
 * in plain text in its header, before the (possibly encrypted) private part, so the public
 * half is read without decrypting anything. PEM keys (PKCS#1, PKCS#8, SEC1) go through
 * node's crypto, which reads those but not the OpenSSH format.
 */
import { createPrivateKey, createPublicKey, KeyObject } from "crypto";

/** Key types this program accepts, and what their public blob holds after the type name. */
const KEY_TYPES = ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"] as const;

/** Reads SSH wire-format fields (RFC 4251 §5) from a buffer; throws when it runs short. */
class WireReader {
    private offset = 0;
    constructor(private readonly buf: Buffer) {}
    uint32(): number {
        if (this.offset + 4 > this.buf.length) {
            throw new Error("truncated");
        }
        const value = this.buf.readUInt32BE(this.offset);
        this.offset += 4;
        return value;
    }
    bytes(): Buffer {
        const length = this.uint32();
        if (this.offset + length > this.buf.length) {
            throw new Error("truncated");
        }
        const value = this.buf.subarray(this.offset, this.offset + length);
        this.offset += length;
        return value;
    }
    string(): string {
        return this.bytes().toString("latin1");
    }
    get done(): boolean {
        return this.offset === this.buf.length;
    }
}

const wireString = (value: Buffer | string): Buffer => {
    const body = typeof value === "string" ? Buffer.from(value, "latin1") : value;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    return Buffer.concat([length, body]);
};

/** An RFC 4251 mpint from an unsigned big-endian integer. */
const mpint = (unsigned: Buffer): Buffer => {
    let i = 0;
    while (i < unsigned.length - 1 && unsigned[i] === 0) {
        i++;
    }
    const trimmed = unsigned.subarray(i);
    return wireString(trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
};

/**
 * What is wrong with a public key blob of `type`, or undefined when it is whole: the inner
 * type must repeat the outer one and the key material must be complete.
 */
function blobProblem(type: string, blob: Buffer): string | undefined {
    try {
        const reader = new WireReader(blob);
        const inner = reader.string();
        if (inner !== type) {
            return `its key data is of type '${inner.replace(/[^\x20-\x7e]/g, "?").slice(0, 40)}', not '${type}'`;
        }
        if (type === "ssh-ed25519") {
            if (reader.bytes().length !== 32) {
                return "its ed25519 key is not 32 bytes long";
            }
        } else if (type === "ssh-rsa") {
            reader.bytes(); // e
            if (reader.bytes().length < 128) {
                return "its RSA modulus is shorter than 1024 bits";
            }
        } else {
            const curve = reader.string();
            if (`ecdsa-sha2-${curve}` !== type) {
                return `its curve '${curve}' does not match '${type}'`;
            }
            reader.bytes();
        }
        if (!reader.done) {
            return "it has trailing data after the key";
        }
        return undefined;
    } catch {
        return "its key data is cut short (truncated when copied?)";
    }
}

export type PublicKeyParse = { ok: true; type: string; blob: Buffer } | { ok: false; problem: string };

/** Parse an OpenSSH public key line (`ssh-ed25519 AAAA... comment`). */
export function parsePublicKey(line: string): PublicKeyParse {
    const fields = line.trim().split(/\s+/);
    const [type, data] = fields;
    if (!(KEY_TYPES as readonly string[]).includes(type ?? "")) {
        return { ok: false, problem: `'${(type ?? "").slice(0, 30)}' is not an SSH key type this program takes (${KEY_TYPES.join(", ")})` };
    }
    if (data === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(data) || data.length % 4 !== 0) {
        return { ok: false, problem: "its base64 key data is missing, cut short or has stray characters" };
    }
    const blob = Buffer.from(data, "base64");
    const problem = blobProblem(type, blob);
    return problem === undefined ? { ok: true, type, blob } : { ok: false, problem };
}

/** `type base64` of a public key, without its comment: what two keys must share to be one. */
export const publicKeyId = (type: string, blob: Buffer): string => `${type} ${blob.toString("base64")}`;

export type PrivateKeyParse =
    | { ok: true; publicKey: string; encrypted: boolean }
    | { ok: false; problem: string };

/** The public half of an `openssh-key-v1` private key, from its plain-text header. */
function openSshPublicHalf(body: string): PrivateKeyParse {
    const data = Buffer.from(body.replace(/\s+/g, ""), "base64");
    const magic = Buffer.from("openssh-key-v1\0", "latin1");
    if (data.length < magic.length || !data.subarray(0, magic.length).equals(magic)) {
        return { ok: false, problem: "its OpenSSH key data does not start with 'openssh-key-v1' (damaged when copied?)" };
    }
    try {
        const reader = new WireReader(data.subarray(magic.length));
        const cipher = reader.string();
        reader.string(); // kdf name
        reader.bytes(); // kdf options
        const count = reader.uint32();
        if (count !== 1) {
            return { ok: false, problem: `it holds ${count} keys; give a file with exactly one` };
        }
        const blob = reader.bytes();
        reader.bytes(); // the private section, encrypted or not: not needed for the public half
        const type = new WireReader(blob).string();
        const problem = (KEY_TYPES as readonly string[]).includes(type) ? blobProblem(type, blob) : `its key type '${type}' is not one this program takes (${KEY_TYPES.join(", ")})`;
        if (problem !== undefined) {
            return { ok: false, problem };
        }
        return { ok: true, publicKey: publicKeyId(type, blob), encrypted: cipher !== "none" };
    } catch {
        return { ok: false, problem: "its OpenSSH key data is cut short (truncated when copied?)" };
    }
}

/** The OpenSSH public key of a key node's crypto read from PEM. */
function sshPublicOf(key: KeyObject): string | undefined {
    const jwk = createPublicKey(key).export({ format: "jwk" });
    const b64url = (s: string | undefined): Buffer => Buffer.from(s ?? "", "base64url");
    if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
        return publicKeyId("ssh-ed25519", Buffer.concat([wireString("ssh-ed25519"), wireString(b64url(jwk.x))]));
    }
    if (jwk.kty === "RSA") {
        return publicKeyId("ssh-rsa", Buffer.concat([wireString("ssh-rsa"), mpint(b64url(jwk.e)), mpint(b64url(jwk.n))]));
    }
    const curves: Record<string, string> = { "P-256": "nistp256", "P-384": "nistp384", "P-521": "nistp521" };
    if (jwk.kty === "EC" && jwk.crv !== undefined && curves[jwk.crv] !== undefined) {
        const type = `ecdsa-sha2-${curves[jwk.crv]}`;
        const point = Buffer.concat([Buffer.from([4]), b64url(jwk.x), b64url(jwk.y)]);
        return publicKeyId(type, Buffer.concat([wireString(type), wireString(curves[jwk.crv]), wireString(point)]));
    }
    return undefined;
}

/**
 * The public half of a private key as `pulumi config set --secret sshPrivateKey < file`
 * stores it: OpenSSH format (what ssh-keygen writes) or PEM. Never includes key material
 * in a problem's wording.
 */
export function privateKeyPublicHalf(text: string): PrivateKeyParse {
    const trimmed = text.trim();
    if (parsePublicKey(trimmed).ok || /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-\S+) AAAA/.test(trimmed)) {
        return { ok: false, problem: "is a public key; set the private key, the file without '.pub'" };
    }
    const openssh = /^-----BEGIN OPENSSH PRIVATE KEY-----\s*([\s\S]*?)\s*-----END OPENSSH PRIVATE KEY-----$/.exec(trimmed);
    if (openssh !== null) {
        return openSshPublicHalf(openssh[1]);
    }
    const pem = /^-----BEGIN ((RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]*-----END \1-----$/.exec(trimmed);
    if (pem === null) {
        if (!trimmed.includes("\n") && /^(~|\.{0,2}\/|[A-Za-z]:\\)|\.(pem|key)$|id_(rsa|ed25519|ecdsa)/.test(trimmed)) {
            return { ok: false, problem: "looks like a file path; set the content of the key file, not its path (`... < ~/.ssh/<key>`)" };
        }
        return { ok: false, problem: "is not a private key (no '-----BEGIN ... PRIVATE KEY-----' ... '-----END ... PRIVATE KEY-----' block); set the content of the key file, not its path" };
    }
    if (pem[2] === "ENCRYPTED ") {
        return { ok: true, publicKey: "", encrypted: true };
    }
    try {
        const publicKey = sshPublicOf(createPrivateKey(trimmed));
        return publicKey === undefined ? { ok: false, problem: "is a key type this program does not take; use an ed25519, RSA or ECDSA key" } : { ok: true, publicKey, encrypted: false };
    } catch {
        return { ok: false, problem: "is a damaged PEM private key (cut short when copied?); set the whole key file again" };
    }
}

/** An `openssh-key-v1` file for a public key blob and private section, as ssh-keygen lays it out. */
export function openSshPrivateKeyFile(publicBlob: Buffer, privateSection: Buffer, lineLength = 70): string {
    const body = Buffer.concat([
        Buffer.from("openssh-key-v1\0", "latin1"),
        wireString("none"),
        wireString("none"),
        wireString(Buffer.alloc(0)),
        Buffer.from([0, 0, 0, 1]),
        wireString(publicBlob),
        wireString(privateSection),
    ]).toString("base64");
    const lines = lineLength > 0 ? (body.match(new RegExp(`.{1,${lineLength}}`, "g")) ?? []) : [body];
    return ["-----BEGIN OPENSSH PRIVATE KEY-----", ...lines, "-----END OPENSSH PRIVATE KEY-----", ""].join("\n");
}

export { wireString };
