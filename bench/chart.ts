/**
 * Draws bench/results.svg: horizontal bars of the two ratios that matter most, hand-written SVG with
 * no chart dependency. Left panel: distinct-token verifications per second as a share of the
 * node:crypto limit, per algorithm. Right panel: HTTP requests per second with 1,000 rotating tokens
 * as a share of the same framework with no verification. A dashed line marks 1.0.
 */
import type { HttpResult } from "./http.js";
import type { MicroResult } from "./micro.js";
import { ratio } from "./stats.js";

interface Bar {
  label: string;
  value: number;
  ours: boolean;
  /** Colour index within a group (algorithm). */
  shade: number;
}

interface Group {
  label: string;
  bars: Bar[];
}

const OURS = ["#0b6e4f", "#2a9d74", "#6cc8a2"];
const PEERS = ["#5a6470", "#8a939d", "#bcc3ca"];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';

const escapeXml = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

function panel(
  title: string,
  groups: Group[],
  x0: number,
  width: number,
  legend: string[],
): { svg: string; height: number } {
  const labelW = 190;
  const barH = 12;
  const gap = 10;
  const plotW = width - labelW - 50;
  const max = Math.max(
    1.2,
    ...groups.flatMap((g) => g.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0))),
  );
  const scale = (v: number) => (Math.min(v, max) / max) * plotW;
  const parts: string[] = [
    `<text x="${x0}" y="24" font-size="14" font-weight="600" ${FONT}>${escapeXml(title)}</text>`,
  ];
  let y = 44;
  legend.forEach((name, i) => {
    const lx = x0 + labelW + i * 80;
    parts.push(`<rect x="${lx}" y="${y - 9}" width="10" height="10" fill="${PEERS[i]}"/>`);
    parts.push(`<text x="${lx + 14}" y="${y}" font-size="11" ${FONT}>${escapeXml(name)}</text>`);
  });
  y += 14;
  const top = y;
  for (const group of groups) {
    const groupH = group.bars.length * (barH + 2);
    const ours = group.bars.some((b) => b.ours);
    parts.push(
      `<text x="${x0 + labelW - 8}" y="${y + groupH / 2 + 4}" font-size="12" text-anchor="end" ${ours ? 'font-weight="700"' : ""} ${FONT}>${escapeXml(group.label)}</text>`,
    );
    for (const bar of group.bars) {
      const palette = bar.ours ? OURS : PEERS;
      const fill = palette[bar.shade % palette.length];
      if (Number.isFinite(bar.value)) {
        parts.push(
          `<rect x="${x0 + labelW}" y="${y}" width="${scale(bar.value).toFixed(1)}" height="${barH}" fill="${fill}"/>`,
        );
        parts.push(
          `<text x="${x0 + labelW + scale(bar.value) + 4}" y="${y + barH - 2}" font-size="10" ${FONT}>${bar.value >= 100 ? bar.value.toFixed(0) : bar.value.toFixed(2)}×</text>`,
        );
      } else {
        parts.push(
          `<text x="${x0 + labelW + 4}" y="${y + barH - 2}" font-size="10" fill="#888" ${FONT}>${escapeXml(bar.label)}: n/a</text>`,
        );
      }
      y += barH + 2;
    }
    y += gap;
  }
  const oneX = x0 + labelW + scale(1);
  parts.push(
    `<line x1="${oneX}" y1="${top - 4}" x2="${oneX}" y2="${y - gap + 2}" stroke="#c0392b" stroke-dasharray="4 3"/>`,
    `<text x="${oneX}" y="${y + 8}" font-size="10" text-anchor="middle" fill="#c0392b" ${FONT}>1.0</text>`,
  );
  return { svg: parts.join("\n"), height: y + 16 };
}

/** The whole SVG text. */
export function renderChart(
  micro: readonly MicroResult[],
  http: readonly HttpResult[],
  caption: string,
): string {
  const algs = ["RS256", "ES256", "EdDSA"];
  const microGroups: Group[] = [];
  for (const id of [...new Set(micro.map((r) => r.verifier))]) {
    if (id === "limit") continue;
    const rows = micro.filter((r) => r.verifier === id && r.mode === "distinct");
    if (rows.every((r) => r.skipped)) continue;
    microGroups.push({
      label: rows[0]?.label.replace(" + createRemoteJWKSet", "") ?? id,
      bars: algs.map((alg, shade) => {
        const r = rows.find((x) => x.alg === alg);
        const limit = micro.find((x) => x.verifier === "limit" && x.alg === alg && x.mode === "distinct");
        return {
          label: alg,
          value: ratio(r?.median, limit?.median),
          ours: id.startsWith("resource-guard"),
          shade,
        };
      }),
    });
  }
  const httpGroups: Group[] = http
    .filter((r) => r.mode === "rotating" && !r.bare && !r.skipped)
    .map((r) => {
      const bare = http.find((x) => x.mode === "rotating" && x.bare && x.framework === r.framework);
      return {
        label: r.label,
        bars: [{ label: r.label, value: ratio(r.rps, bare?.rps), ours: r.ours, shade: 0 }],
      };
    });
  const left = panel("Distinct tokens: verifications/s × the node:crypto limit", microGroups, 10, 560, algs);
  const right = panel("HTTP, 1,000 rotating tokens: requests/s × bare framework", httpGroups, 590, 520, []);
  const height = Math.max(left.height, right.height) + 20;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="1120" height="${height}" viewBox="0 0 1120 ${height}">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    left.svg,
    right.svg,
    `<text x="10" y="${height - 8}" font-size="10" fill="#555" ${FONT}>${escapeXml(caption)}</text>`,
    "</svg>",
    "",
  ].join("\n");
}
