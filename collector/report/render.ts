// One entry point for the three renderings, and the file names reports are written under.
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import type { SlaReportModel } from './model.js';

export type ReportFormat = 'json' | 'csv' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = Object.freeze(['json', 'csv', 'html']);

export const renderReport = (m: SlaReportModel, format: ReportFormat): string => {
  switch (format) {
    case 'json':
      return `${JSON.stringify(m, null, 2)}\n`;
    case 'csv':
      return renderCsv(m);
    case 'html':
      return renderHtml(m);
  }
};

/** `sla-2026-11.html` for a labelled period, else `sla-<from>_<to>.html` (UTC, file-name safe). */
export const reportFileName = (m: SlaReportModel, format: ReportFormat, label?: string): string => {
  const stamp = (iso: string) => iso.replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '');
  const base = label ?? `${stamp(m.window.from.iso)}_${stamp(m.window.to.iso)}`;
  const cluster = m.cluster === null ? '' : `-${m.cluster.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  return `sla${cluster}-${base}.${format}`;
};
