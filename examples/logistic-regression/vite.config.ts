import { defineConfig } from "vite";
import adgen from "adgen/vite";

export default defineConfig({
  plugins: [adgen()],
});
