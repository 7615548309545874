/** `npm start`: built by `vite build --ssr`, run with Node. */
import { pathToFileURL } from "node:url";
import { train } from "./train";

export { train };

if (
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  train();
}
