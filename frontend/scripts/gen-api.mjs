// Generates src/api/schema.d.ts from an OpenAPI JSON file (default: src/api/openapi.json).
// Usage: npm run gen:api [-- path/to/openapi.json]
// The schema comes from the Python app: `.venv/bin/python -m punch_app.openapi > frontend/src/api/openapi.json`.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const input = path.resolve(process.argv[2] ?? path.join(root, "src/api/openapi.json"));
const output = path.join(root, "src/api/schema.d.ts");
const bin = path.join(root, "node_modules/.bin/openapi-typescript");
execFileSync(bin, [input, "-o", output], { stdio: "inherit" });
