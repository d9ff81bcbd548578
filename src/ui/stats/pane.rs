//! The Stats tab: CPU, per-disk, per-NIC and memory figures of the selected domain with
//! history graphs; `expanded` shows the raw cumulative counters as virsh names them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

use crate::config::{Role, Theme};
use crate::state::DomainRow;
use crate::state::stats::{DomainHistory, Ring};
use crate::ui::format;
use crate::ui::stats::text::{self as stats_text, Labels};

/// How the pane is shown; the App owns it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsView {
    pub frozen: bool,
    pub expanded: bool,
    /// How much time the graphs span (ring capacity × sampling interval), seconds.
    pub window_secs: u64,
}

pub fn render(
    f: &mut Frame,
    area: Rect,
    row: &DomainRow,
    hist: Option<&DomainHistory>,
    view: StatsView,
    theme: &Theme,
) {
    let dim = theme.style(Role::Dim);
    let Some(h) = hist else {
        let msg = if row.info.state.state.is_active() {
            " waiting for the first statistics sample…"
        } else {
            " not running: no live statistics"
        };
        f.render_widget(Paragraph::new(Span::styled(msg, dim)), area);
        return;
    };
    let l = Labels::new(theme);
    let mut summary = stats_text::cpu_line(h, &l);
    if !view.expanded && view.window_secs > 0 {
        summary.spans.push(Span::styled(
            format!("   graphs: last {}", span_label(view.window_secs)),
            dim,
        ));
    }
    if view.frozen {
        summary
            .spans
            .push(Span::styled("  FROZEN", theme.style(Role::Warn)));
    }
    let mut lines = vec![summary];
    let details = if view.expanded {
        stats_text::raw_lines(h, &l, area.width)
    } else {
        stats_text::device_lines(h, &l)
    };
    // Graphs take what the figures leave, at least 2 rows, never in the raw view.
    let graph_h = if view.expanded {
        0
    } else {
        let spare = area.height.saturating_sub(1 + details.len() as u16);
        spare.clamp(if area.height >= 6 { 3 } else { 0 }, 6)
    };
    let [top, graphs, rest] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(graph_h),
        Constraint::Min(0),
    ])
    .areas(area);
    f.render_widget(Paragraph::new(lines.remove(0)), top);
    if graph_h >= 2 {
        render_graphs(f, graphs, h, theme);
    }
    f.render_widget(Paragraph::new(details), rest);
}

/// `300` → `5 min`, `90` → `90 s`.
fn span_label(secs: u64) -> String {
    if secs >= 120 && secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else {
        format!("{secs} s")
    }
}

fn render_graphs(f: &mut Frame, area: Rect, h: &DomainHistory, theme: &Theme) {
    let cols = Layout::horizontal([Constraint::Ratio(1, 4); 4])
        .spacing(1)
        .split(area);
    let mem_max = h
        .latest
        .balloon
        .as_ref()
        .and_then(|b| b.current)
        .unwrap_or(0) as f64;
    let graphs: [(&str, &Ring, String, f64); 4] = [
        (
            "CPU",
            &h.cpu,
            h.cpu_pct.map_or("-".into(), |p| format!("{p:.0}%")),
            100.0,
        ),
        (
            "Disk",
            &h.disk_total,
            h.disk_bps()
                .map_or("-".into(), |v| format!("{}/s", format::rate(v))),
            0.0,
        ),
        (
            "Net",
            &h.net_total,
            h.net_bps()
                .map_or("-".into(), |v| format!("{}/s", format::rate(v))),
            0.0,
        ),
        (
            "Mem",
            &h.mem_used,
            h.mem_used
                .last()
                .map_or("-".into(), |k| format::mem(k as u64)),
            mem_max,
        ),
    ];
    for ((title, ring, now, floor), col) in graphs.into_iter().zip(cols.iter()) {
        let [label, spark] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(*col);
        f.render_widget(
            Line::from(vec![
                Span::styled(format!(" {title} "), theme.style(Role::Header)),
                Span::styled(now, theme.style(Role::Base)),
            ]),
            label,
        );
        f.render_widget(sparkline(ring, spark.width, floor, theme), spark);
    }
}

/// The ring's whole window (newest at the right edge), peaks per column, scaled so that
/// `floor` (100 % CPU, the balloon size) or the largest sample fills the height.
fn sparkline(ring: &Ring, width: u16, floor: f64, theme: &Theme) -> Sparkline<'static> {
    let buckets = ring.buckets(usize::from(width));
    let max = buckets
        .iter()
        .flatten()
        .fold(floor, |m, v| m.max(*v))
        .max(1.0);
    // Scale into 0..=1000 so fractional CPU % and huge byte rates draw alike.
    let data: Vec<Option<u64>> = buckets
        .into_iter()
        .map(|b| b.map(|v| (v / max * 1000.0).round() as u64))
        .collect();
    Sparkline::default()
        .data(data)
        .max(1000)
        .absent_value_symbol(" ")
        .style(theme.style(Role::Running))
}
