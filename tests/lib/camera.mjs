// A phone camera pointed at a ticket, for Chromium's fake video capture: the ticket's QR code
// drawn into a Y4M video file (greyscale: the Y plane, neutral chroma), which Chromium plays in
// a loop as the camera when started with `cameraArgs(file)`.
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import QRCode from "qrcode";

const WIDTH = 640;
const HEIGHT = 480;

/** Writes a Y4M file showing `text` as a QR code; returns its path. */
export function qrVideo(text) {
  const qr = QRCode.create(text, { errorCorrectionLevel: "M" });
  const size = qr.modules.size;
  const scale = Math.floor((HEIGHT - 40) / (size + 8));
  const side = (size + 8) * scale;
  const left = Math.floor((WIDTH - side) / 2);
  const top = Math.floor((HEIGHT - side) / 2);
  const luma = Buffer.alloc(WIDTH * HEIGHT, 235);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const mx = Math.floor(x / scale) - 4;
      const my = Math.floor(y / scale) - 4;
      if (mx >= 0 && my >= 0 && mx < size && my < size && qr.modules.get(my, mx)) {
        luma[(top + y) * WIDTH + left + x] = 20;
      }
    }
  }
  const chroma = Buffer.alloc((WIDTH / 2) * (HEIGHT / 2) * 2, 128);
  const header = Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F10:1 Ip A1:1 C420jpeg\n`);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), luma, chroma]);
  const file = join(mkdtempSync(join(tmpdir(), "tsunagu-camera-")), "ticket.y4m");
  writeFileSync(file, Buffer.concat([header, frame, frame]));
  return file;
}

/** Chromium flags that make `file` the camera, with permission granted. */
export function cameraArgs(file) {
  return [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    `--use-file-for-fake-video-capture=${file}`,
  ];
}
