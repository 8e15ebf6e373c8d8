// QR codes drawn on the server (the `qrcode` library), as an SVG in a data: URL: an image every
// page can show without any script, under the pages' CSP (img-src data:).
import QRCode from 'qrcode';

export async function qrImageOf(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}
