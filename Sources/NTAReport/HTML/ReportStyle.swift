/// Styles of the HTML report and its figures: no fonts or files fetched, the
/// Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008, "Color Universal
/// Design"), a light and a dark theme (`prefers-color-scheme`) and A4 print
/// rules (`@page`, `@media print`).
package enum ReportStyle {
    /// Okabe–Ito colours used by the figures.
    enum Colour {
        static let orange = "#E69F00"
        static let skyBlue = "#56B4E9"
        static let bluishGreen = "#009E73"
        static let blue = "#0072B2"
        static let vermillion = "#D55E00"
        static let reddishPurple = "#CC79A7"
    }

    /// Figure rules, light theme; a standalone SVG embeds exactly these.
    static let figureCSS = """
        .nta-figure{color:#1b1b1b;background:transparent}\
        .nta-figure text{fill:currentColor}\
        .nta-bg{fill:#ffffff}\
        .nta-frame{fill:none;stroke:currentColor;stroke-width:1}\
        .nta-grid{stroke:currentColor;stroke-opacity:.12;stroke-width:1}\
        .nta-tick{stroke:currentColor;stroke-width:1}\
        .nta-ticklabel{font-size:11px}\
        .nta-axistitle{font-size:12px;font-weight:600}\
        .nta-figtitle{font-size:13px;font-weight:700}\
        .nta-legendlabel{font-size:11px}\
        .nta-annot{font-size:11px}\
        .nta-window{fill:currentColor;fill-opacity:.07;stroke:none}\
        .nta-windowedge{stroke:currentColor;stroke-opacity:.45;stroke-dasharray:2 3;stroke-width:1}\
        .nta-hist{fill:\(Colour.orange);fill-opacity:.45;stroke:\(Colour.orange);stroke-width:.6}\
        .nta-main{fill:none;stroke:\(Colour.blue);stroke-width:2.4;stroke-linejoin:round}\
        .nta-video{fill:none;stroke:\(Colour.reddishPurple);stroke-width:1.1;stroke-opacity:.8}\
        .nta-component{fill:none;stroke:\(Colour.vermillion);stroke-width:1.4;stroke-dasharray:5 3}\
        .nta-dline{stroke:\(Colour.bluishGreen);stroke-width:1.4}\
        .nta-dband{fill:\(Colour.bluishGreen);fill-opacity:.22;stroke:none}\
        .nta-band{fill:\(Colour.blue);fill-opacity:.2;stroke:none}\
        .nta-dlabel{font-size:11px;font-weight:600}\
        .nta-point{fill:\(Colour.blue);fill-opacity:.35;stroke:none}\
        .nta-class-vesicle{fill:none;stroke:\(Colour.bluishGreen);stroke-width:2.2}\
        .nta-class-dense{fill:none;stroke:\(Colour.vermillion);stroke-width:2.2}\
        .nta-class-extension{stroke-dasharray:4 4;stroke-width:1.2}\
        .nta-bar{fill:\(Colour.bluishGreen);fill-opacity:.75;stroke:\(Colour.bluishGreen)}\
        .nta-whisker{stroke:currentColor;stroke-width:1.2;fill:none}\
        .nta-level{stroke:\(Colour.blue);stroke-width:1.4;stroke-dasharray:6 3;fill:none}\
        .nta-levelband{fill:\(Colour.blue);fill-opacity:.12;stroke:none}
        """

    /// Page rules: layout, tables, dark theme and A4 print.
    static let pageCSS = """
        :root{color-scheme:light dark;--fg:#1b1b1b;--muted:#5a5a5a;--bg:#ffffff;--panel:#f5f6f8;--rule:#d8dbe0;\
        --accent:\(Colour.blue);--warn:#8a4b00;--warnbg:#fff4e0}
        @media (prefers-color-scheme: dark){:root{--fg:#e8e8e8;--muted:#a8a8a8;--bg:#16181c;--panel:#1f2329;\
        --rule:#3a3f47;--accent:\(Colour.skyBlue);--warn:#ffcf80;--warnbg:#3a2e16}\
        .nta-figure{color:#e8e8e8}\
        .nta-main{stroke:\(Colour.skyBlue)}\
        .nta-band{fill:\(Colour.skyBlue)}\
        .nta-point{fill:\(Colour.skyBlue);fill-opacity:.55}\
        .nta-level{stroke:\(Colour.skyBlue)}\
        .nta-levelband{fill:\(Colour.skyBlue)}\
        .nta-window{fill-opacity:.11}}
        *{box-sizing:border-box}
        html{background:var(--bg);color:var(--fg)}
        body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;font-size:14px;line-height:1.45;\
        max-width:940px;margin:0 auto;padding:24px 28px 48px}
        h1{font-size:22px;margin:0 0 4px}
        h2{font-size:17px;margin:28px 0 8px;padding-bottom:4px;border-bottom:2px solid var(--accent)}
        h3{font-size:14px;margin:16px 0 6px}
        p{margin:6px 0}
        .subtitle{color:var(--muted);margin:0 0 12px}
        .files{color:var(--muted);font-size:13px;word-break:break-all}
        .headline{background:var(--panel);border-left:4px solid var(--accent);padding:10px 14px;margin:10px 0}
        .headline p{margin:3px 0}
        .caveat{font-weight:600}
        table{border-collapse:collapse;width:100%;margin:8px 0;font-size:13px}
        th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--rule);vertical-align:top}
        th{font-weight:600;background:var(--panel)}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        .source{color:var(--muted);font-size:12px}
        figure{margin:12px 0;break-inside:avoid;page-break-inside:avoid}
        figure svg{width:100%;height:auto;display:block}
        figcaption{color:var(--muted);font-size:12.5px;margin-top:4px}
        .warnings li{color:var(--warn)}
        .warnings{background:var(--warnbg);padding:8px 12px 8px 28px;border-radius:4px}
        ul{margin:6px 0;padding-left:22px}
        footer{margin-top:32px;color:var(--muted);font-size:12px;border-top:1px solid var(--rule);padding-top:8px}
        @page{size:A4;margin:14mm 12mm}
        @media print{html{background:#fff;color:#000}body{max-width:none;padding:0;font-size:10.5pt}\
        :root{--fg:#000;--muted:#444;--bg:#fff;--panel:#f2f2f2;--rule:#bbb;--accent:\(Colour.blue);--warn:#6b3a00;--warnbg:#fff}\
        .nta-figure{color:#000}h2{break-after:avoid;page-break-after:avoid}table,tr{break-inside:avoid;page-break-inside:avoid}\
        section{break-inside:auto}}
        """
}
