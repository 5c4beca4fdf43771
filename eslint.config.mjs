// ESLint flat config: typescript-eslint's recommended rules, without type information
// (no type-aware rules, so `npm run lint` stays fast; `tsc --noEmit` does the type checking).
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
    {
        ignores: [
            "node_modules/",
            "**/node_modules/",
            "out/",
            // The real-VM test's image cache: a debootstrapped tree (with /proc mounted while it builds).
            ".cache/",
            // The local @pulumi/libvirt SDK: generated code in the generated SDKs' shape,
            // compiled to bin/ by the root postinstall script. Not ours to restyle.
            "sdks/",
            // Build outputs and tool configs, not program sources.
            "**/*.js",
            "**/*.mjs",
            "**/*.cjs",
            // Personal scratch files, excluded from git (.git/info/exclude).
            "scratch/",
        ],
    },
    tseslint.configs.recommended,
    {
        rules: {
            // `_`-prefixed names are deliberately unused (callback signatures, destructuring).
            "@typescript-eslint/no-unused-vars": [
                "error",
                {
                    argsIgnorePattern: "^_",
                    varsIgnorePattern: "^_",
                    destructuredArrayIgnorePattern: "^_",
                    caughtErrorsIgnorePattern: "^_",
                },
            ],
        },
    },
);
