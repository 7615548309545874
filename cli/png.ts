/**
 * `adgen graph --format png`: the SVG rasterised by resvg (`@resvg/resvg-js`, a prebuilt binary
 * from npm, no install step), at twice its size, with the system's fonts: Graphviz's SVG asks
 * for Helvetica, which resvg replaces by the system's sans-serif font.
 */
export async function svgToPng(svg: string): Promise<Uint8Array> {
  const { Resvg } = await import("@resvg/resvg-js");
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: 2 },
    background: "white",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
  });
  return resvg.render().asPng();
}
