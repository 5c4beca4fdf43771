/** Reading a script's header: what it does, and the environment it documents. */

/** The header: the comment lines right after the shebang. */
export function headerOf(text: string): string[] {
    const lines = text.split("\n");
    const header: string[] = [];
    for (const line of lines.slice(1)) {
        if (!line.startsWith("#")) break;
        header.push(line);
    }
    return header;
}

export interface EnvEntry {
    name: string;
    text: string;
}

/**
 * The "# Environment:" list: "#   NAME  required|optional  meaning (e.g. ...)", continuation lines
 * indented deeper; or the list under another heading.
 */
export function envEntries(header: string[], heading = /^# Environment/): EnvEntry[] {
    const start = header.findIndex((l) => heading.test(l));
    if (start < 0) return [];
    const entries: EnvEntry[] = [];
    for (const line of header.slice(start + 1)) {
        const entry = /^# {3}([A-Z][A-Z0-9_]*)\s+(.*)$/.exec(line);
        if (entry) {
            entries.push({ name: entry[1], text: entry[2] });
        } else if (/^# {4,}\S/.test(line) && entries.length > 0) {
            entries[entries.length - 1].text += " " + line.replace(/^#\s+/, "");
        } else {
            break;
        }
    }
    return entries;
}
