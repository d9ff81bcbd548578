//! The domain list table: renders only the rows that fit, whatever the domain count.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table};

use crate::backend::RunState;
use crate::config::{Role, Theme};
use crate::state::{DomainRow, Store};
use crate::ui::domains::list_view::{Filter, ListView, SortKey, primary_address, shown_addresses};
use crate::ui::format;
use crate::ui::text::{escape_spans, fit_spans, name_spans};
use unicode_width::UnicodeWidthStr;

struct Column {
    key: SortKey,
    title: &'static str,
    width: u16,
    right: bool,
}

const COLUMNS: [Column; 10] = [
    Column {
        key: SortKey::Name,
        title: "Name",
        width: 0,
        right: false,
    },
    Column {
        key: SortKey::State,
        title: "State",
        // Sized from the rows at draw time (name_state_widths).
        width: 0,
        right: false,
    },
    Column {
        key: SortKey::Id,
        title: "ID",
        width: 4,
        right: true,
    },
    Column {
        key: SortKey::Vcpus,
        title: "vCPU",
        width: 4,
        right: true,
    },
    Column {
        key: SortKey::Memory,
        title: "Memory",
        width: 11,
        right: true,
    },
    Column {
        key: SortKey::Cpu,
        title: "CPU%",
        width: 6,
        right: true,
    },
    Column {
        key: SortKey::Disk,
        title: "Disk/s",
        width: 6,
        right: true,
    },
    Column {
        key: SortKey::Net,
        title: "Net/s",
        width: 6,
        right: true,
    },
    Column {
        key: SortKey::Autostart,
        title: "Auto",
        width: 4,
        right: false,
    },
    Column {
        key: SortKey::Persistent,
        title: "Pers",
        width: 4,
        right: false,
    },
];

/// The HOST column, first, when the App talks to more than one host.
const HOST_COLUMN: Column = Column {
    key: SortKey::Host,
    title: "Host",
    width: 12,
    right: false,
};

/// The IP column: a running domain's first address (and how many more).
const IP_COLUMN: Column = Column {
    key: SortKey::Ip,
    title: "IP",
    width: 18,
    right: false,
};

/// Columns that fit: the flags go first when the terminal is narrow, then the live
/// disk and net columns. With `ips` (some running domain has an address libvirt knows)
/// the IP column comes after State when it fits beside the disk and net columns.
fn visible_columns(width: u16, ips: bool) -> Vec<&'static Column> {
    let ip = IP_COLUMN.width + 1;
    let (base, with_ip): (&'static [Column], bool) = if ips && width >= 110 + ip {
        (&COLUMNS, true)
    } else if ips && width >= 80 + ip {
        (&COLUMNS[..8], true)
    } else if width >= 110 {
        (&COLUMNS, false)
    } else if width >= 80 {
        (&COLUMNS[..8], false)
    } else if width >= 66 {
        (&COLUMNS[..6], false)
    } else {
        (&COLUMNS[..2], false)
    };
    let mut cols: Vec<&'static Column> = base.iter().collect();
    if with_ip {
        cols.insert(2, &IP_COLUMN);
    }
    cols
}

/// The IP cell: the primary address, `+N` when there are more.
fn ip_text(row: &DomainRow) -> String {
    match primary_address(row) {
        None => "-".into(),
        Some(first) => match shown_addresses(row).count() - 1 {
            0 => first.to_string(),
            more => format!("{first} +{more}"),
        },
    }
}

pub fn state_role(s: RunState) -> Role {
    match s {
        RunState::Running | RunState::Blocked => Role::Running,
        RunState::Paused | RunState::PmSuspended | RunState::ShuttingDown => Role::Paused,
        RunState::Crashed => Role::Crashed,
        RunState::ShutOff | RunState::NoState | RunState::Unknown(_) => Role::ShutOff,
    }
}

fn align(text: String, right: bool) -> Line<'static> {
    let line = Line::from(text);
    if right { line.right_aligned() } else { line }
}

/// A column's width: its own, but never less than its title plus the sort arrow, so the
/// arrow never overwrites the title.
fn col_width(c: &Column) -> u16 {
    c.width.max(c.title.len() as u16 + 1)
}

/// The State cell: with its reason when that fits the column, else the state alone; a
/// shut-off domain with a managed save image is "saved" (its next start resumes).
fn state_text(row: &DomainRow, width: usize) -> String {
    if row.info.saved() {
        return "saved".into();
    }
    let full = row.info.state.to_string();
    if full.width() <= width {
        full
    } else {
        row.info.state.state.label().to_string()
    }
}

/// Widths of the Name and State columns from what the shown rows hold: State gets its
/// longest text when Name keeps room for its names (up to 16 columns), else the state
/// word alone and the reason moves to Overview.
fn name_state_widths(spare: u16, names: usize, states: usize) -> (u16, u16) {
    // "pmsuspended" is the longest state word.
    let state_min = 12;
    let want_state = (states as u16).max(state_min);
    let want_name = (names as u16).clamp(8, 16);
    let state = if spare >= want_state + want_name {
        want_state
    } else {
        spare
            .saturating_sub(want_name)
            .clamp(state_min.min(spare), want_state)
    };
    (spare.saturating_sub(state).max(8), state)
}

/// A live figure: `~` in front when it is left over from earlier ticks (stale), dimmed.
fn live(text: String, stale: bool, theme: &Theme) -> Cell<'static> {
    if stale && text != "-" {
        Cell::from(
            Line::from(Span::styled(format!("~{text}"), theme.style(Role::Dim))).right_aligned(),
        )
    } else {
        Cell::from(align(text, true))
    }
}

fn cell(
    col: &Column,
    row: &DomainRow,
    theme: &Theme,
    name_width: usize,
    state_width: usize,
    lost: bool,
    store: &Store,
) -> Cell<'static> {
    let i = &row.info;
    let stale = lost || row.stats_stale;
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    match col.key {
        SortKey::Name => {
            let spans = name_spans(&i.name, Style::default(), theme.style(Role::Escaped));
            Cell::from(Line::from(fit_spans(spans, name_width)))
        }
        SortKey::State => Cell::from(Line::from(Span::styled(
            if lost {
                format!("DISCONNECTED {}", i.state.state.label())
            } else {
                state_text(row, state_width)
            },
            // A lost host's states are last known, not current.
            theme.style(if lost {
                Role::Dim
            } else if i.saved() {
                Role::Paused
            } else {
                state_role(i.state.state)
            }),
        ))),
        SortKey::Id => Cell::from(align(i.dom_id.map_or("-".into(), |d| d.to_string()), true)),
        SortKey::Vcpus => Cell::from(align(i.vcpus.to_string(), true)),
        SortKey::Memory => Cell::from(align(
            format::mem_pair(i.memory_kib, i.max_memory_kib),
            true,
        )),
        // % of one host CPU, like top; QEMU's own threads can push it a little past
        // 100 per vCPU, which the list does not show (the Stats tab does).
        SortKey::Cpu => live(
            row.cpu_pct.map_or("-".into(), |p| {
                format!("{:.1}", p.min(100.0 * f64::from(i.vcpus.max(1))))
            }),
            stale,
            theme,
        ),
        SortKey::Disk => live(row.disk_bps.map_or("-".into(), format::rate), stale, theme),
        SortKey::Net => live(row.net_bps.map_or("-".into(), format::rate), stale, theme),
        SortKey::Autostart => Cell::from(yes_no(i.autostart)),
        SortKey::Persistent => Cell::from(yes_no(i.persistent)),
        SortKey::Ip => {
            let spans = name_spans(&ip_text(row), Style::default(), theme.style(Role::Escaped));
            Cell::from(Line::from(fit_spans(spans, usize::from(col.width))))
        }
        SortKey::Host => {
            let name = store
                .hosts
                .get(i.id.host)
                .map_or_else(|| i.id.host.to_string(), |h| h.name.clone());
            let spans = name_spans(&name, Style::default(), theme.style(Role::Escaped));
            Cell::from(Line::from(fit_spans(spans, usize::from(col.width))))
        }
    }
}

/// Draws the list into `area`; `focused` picks the border style.
pub fn render(f: &mut Frame, area: Rect, store: &Store, view: &mut ListView, theme: &Theme) {
    let shown = view.rows().len();
    let mut title = vec![Span::styled(" Domains ", theme.style(Role::Title))];
    let count = if shown == store.len() {
        format!("{shown} ")
    } else {
        format!("{shown} of {} ", store.len())
    };
    title.push(Span::styled(count, theme.style(Role::Dim)));
    if let Some(marked) = view.marks_status() {
        title.push(Span::styled(format!(" {marked} "), theme.style(Role::Key)));
    }
    // Sorted by a column too narrow to show: the arrow goes in the title instead.
    // Without any address the column would be empty: it stays away.
    let ips = view.any_addresses();
    if let Some(c) = COLUMNS
        .iter()
        .chain(std::iter::once(&IP_COLUMN))
        .find(|c| c.key == view.sort)
        .filter(|c| {
            !visible_columns(area.width, ips)
                .iter()
                .any(|v| v.key == c.key)
        })
    {
        let arrow = if view.reverse { '▲' } else { '▼' };
        title.push(Span::styled(
            format!(" sorted by {}{arrow} ", c.title),
            theme.style(Role::Dim),
        ));
    }
    match view.filter() {
        Filter::All => {}
        Filter::Invalid(e) => title.push(Span::styled(
            format!(" bad regex: {} ", e.lines().last().unwrap_or("")),
            theme.style(Role::Error),
        )),
        _ => title.extend(
            std::iter::once(Span::styled(" filter: ", theme.style(Role::Dim))).chain(escape_spans(
                &view.filter_text,
                theme.style(Role::Key),
                theme.style(Role::Escaped),
            )),
        ),
    }
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.style(Role::Border))
        .title(Line::from(title));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height < 2 {
        return;
    }

    let mut cols: Vec<&Column> = Vec::new();
    let fleet = store.hosts.len() > 1;
    if fleet {
        cols.push(&HOST_COLUMN);
    }
    let rest = inner
        .width
        .saturating_sub(if fleet { HOST_COLUMN.width + 1 } else { 0 });
    cols.extend(visible_columns(rest, ips));
    // A mark column only while something is marked: a glyph, so it reads without colour.
    let marking = !view.marks.is_empty();
    let mark_w: u16 = if marking { 2 } else { 0 };
    let body_height = usize::from(inner.height - 1);
    view.scroll_into_view(body_height);
    let shown_rows: Vec<&DomainRow> = view
        .rows()
        .iter()
        .skip(view.offset)
        .take(body_height)
        .filter_map(|id| store.get(id))
        .collect();
    // Name and State share what the other columns leave (one space between columns).
    let fixed: u16 = cols
        .iter()
        .filter(|c| !matches!(c.key, SortKey::Name | SortKey::State))
        .map(|c| col_width(c) + 1)
        .sum::<u16>()
        + mark_w;
    let spare = inner.width.saturating_sub(fixed + 1);
    let names = shown_rows
        .iter()
        .map(|r| r.info.name.width())
        .max()
        .unwrap_or(0);
    let states = shown_rows
        .iter()
        .map(|r| {
            if store.host_connected(r.info.id.host) {
                r.info.state.to_string().width()
            } else {
                "DISCONNECTED ".len() + r.info.state.state.label().width()
            }
        })
        .max()
        .unwrap_or(0);
    let (name_w, state_w) = if cols.iter().any(|c| c.key == SortKey::State) {
        name_state_widths(spare, names, states)
    } else {
        (spare, 0)
    };
    let name_width = usize::from(name_w);

    let mark_head = marking.then(|| Cell::from(""));
    let header = Row::new(mark_head.into_iter().chain(cols.iter().map(|c| {
        let mut t = c.title.to_string();
        if c.key == view.sort {
            t.push(if view.reverse { '▲' } else { '▼' });
        }
        Cell::from(align(t, c.right))
    })))
    .style(theme.style(Role::Header));

    let selected = view.cursor();
    let rows: Vec<Row> =
        view.rows()
            .iter()
            .enumerate()
            .skip(view.offset)
            .take(body_height)
            .filter_map(|(i, id)| {
                let row = store.get(id)?;
                // A lost host: its rows are greyed and their live figures marked stale.
                let lost = !store.host_connected(id.host);
                let mark = marking.then(|| {
                    if view.marks.is_marked(id) {
                        Cell::from(Span::styled("*", theme.style(Role::Key)))
                    } else {
                        Cell::from(" ")
                    }
                });
                let r =
                    Row::new(mark.into_iter().chain(cols.iter().map(|c| {
                        cell(c, row, theme, name_width, usize::from(state_w), lost, store)
                    })));
                Some(if i == selected {
                    r.style(theme.style(Role::Selected))
                } else if lost {
                    r.style(theme.style(Role::Dim))
                } else {
                    r.style(theme.style(Role::Base))
                })
            })
            .collect();

    let mark_width = marking.then_some(Constraint::Length(1));
    let widths: Vec<Constraint> = mark_width
        .into_iter()
        .chain(cols.iter().map(|c| match c.key {
            SortKey::Name => Constraint::Length(name_w),
            SortKey::State => Constraint::Length(state_w),
            _ => Constraint::Length(col_width(c)),
        }))
        .collect();
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    f.render_widget(table, inner);

    if shown == 0 {
        let msg = if store.is_empty() {
            "no domains on this host"
        } else {
            "no domain matches the filter (Esc clears it)"
        };
        let y = inner.y + 1;
        if y < inner.bottom() {
            f.render_widget(
                Line::from(Span::styled(msg, theme.style(Role::Dim))),
                Rect::new(inner.x + 1, y, inner.width.saturating_sub(1), 1),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_title_has_room_for_the_sort_arrow() {
        for c in &COLUMNS[2..] {
            assert!(usize::from(col_width(c)) > c.title.len(), "{}", c.title);
        }
    }

    #[test]
    fn the_ip_column_follows_state_only_when_addresses_exist_and_it_fits() {
        let keys =
            |w, ips| -> Vec<SortKey> { visible_columns(w, ips).iter().map(|c| c.key).collect() };
        assert!(!keys(200, false).contains(&SortKey::Ip));
        assert_eq!(keys(200, true)[2], SortKey::Ip);
        assert_eq!(keys(200, true).len(), COLUMNS.len() + 1);
        // Beside the disk and net columns without the flags, not instead of them.
        assert_eq!(keys(100, true)[2], SortKey::Ip);
        assert_eq!(keys(100, true).len(), 9);
        assert_eq!(keys(98, true), keys(98, false));
    }

    #[test]
    fn state_gets_its_longest_text_when_names_keep_their_room() {
        // 120 columns: plenty for "running (from snapshot)" (23) and 16-wide names.
        assert_eq!(name_state_widths(60, 10, 23), (37, 23));
        // Tight: names keep 16, State shrinks but not below its title and arrow.
        assert_eq!(name_state_widths(30, 20, 23), (16, 14));
        assert_eq!(name_state_widths(10, 20, 23), (8, 10));
    }
}
