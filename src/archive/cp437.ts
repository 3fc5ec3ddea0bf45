// Zip names written without the UTF-8 flag are, by the zip specification,
// in IBM code page 437 (what DOS and old Windows tools wrote). This decodes
// them; TextDecoder has no cp437.

const HIGH_HALF = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»" +
  "░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀" +
  "αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";

export function decodeCp437(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) {
    out += b < 0x80 ? String.fromCharCode(b) : HIGH_HALF[b - 0x80];
  }
  return out;
}
