//! The domain list table: renders only the rows that fit, whatever the domain count.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table};

use crate::backend::RunState;
use crate::config::{Role, Theme};
use crate::state::{DomainRow, Store};
use crate::ui::domains::list_view::{Filter, ListView, SortKey};
use crate::ui::format;
use crate::ui::text::{escape_spans, fit_spans, name_spans};

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
        width: 20,
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

/// Columns that fit: the flags go first when the terminal is narrow, then the live
/// disk and net columns.
fn visible_columns(width: u16) -> &'static [Column] {
    if width >= 110 {
        &COLUMNS
    } else if width >= 80 {
        &COLUMNS[..8]
    } else if width >= 66 {
        &COLUMNS[..6]
    } else {
        &COLUMNS[..2]
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

fn cell(
    col: &Column,
    row: &DomainRow,
    theme: &Theme,
    name_width: usize,
    store: &Store,
) -> Cell<'static> {
    let i = &row.info;
    if !store.host_connected(i.id.host) {
        // A lost host's rows keep their last known values, greyed, and say so.
        return match col.key {
            SortKey::State => Cell::from(format!("DISCONNECTED {}", i.state)),
            SortKey::Cpu | SortKey::Disk | SortKey::Net => Cell::from(align("-".into(), true)),
            _ => cell_live(col, row, theme, name_width, store),
        };
    }
    cell_live(col, row, theme, name_width, store)
}

fn cell_live(
    col: &Column,
    row: &DomainRow,
    theme: &Theme,
    name_width: usize,
    store: &Store,
) -> Cell<'static> {
    let i = &row.info;
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    match col.key {
        SortKey::Name => {
            let spans = name_spans(&i.name, Style::default(), theme.style(Role::Escaped));
            Cell::from(Line::from(fit_spans(spans, name_width)))
        }
        SortKey::State => Cell::from(Line::from(Span::styled(
            i.state.to_string(),
            theme.style(state_role(i.state.state)),
        ))),
        SortKey::Id => Cell::from(align(i.dom_id.map_or("-".into(), |d| d.to_string()), true)),
        SortKey::Vcpus => Cell::from(align(i.vcpus.to_string(), true)),
        SortKey::Memory => Cell::from(align(
            format::mem_pair(i.memory_kib, i.max_memory_kib),
            true,
        )),
        SortKey::Cpu => Cell::from(align(
            row.cpu_pct.map_or("-".into(), |p| format!("{p:.1}")),
            true,
        )),
        SortKey::Disk => Cell::from(align(row.disk_bps.map_or("-".into(), format::rate), true)),
        SortKey::Net => Cell::from(align(row.net_bps.map_or("-".into(), format::rate), true)),
        SortKey::Autostart => Cell::from(yes_no(i.autostart)),
        SortKey::Persistent => Cell::from(yes_no(i.persistent)),
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
    cols.extend(visible_columns(rest));
    // A mark column only while something is marked: a glyph, so it reads without colour.
    let marking = !view.marks.is_empty();
    let mark_w: u16 = if marking { 2 } else { 0 };
    let fixed: u16 = cols.iter().map(|c| c.width + 1).sum::<u16>() + mark_w;
    let name_width = usize::from(inner.width.saturating_sub(fixed).max(8));
    let body_height = usize::from(inner.height - 1);
    view.scroll_into_view(body_height);

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
    let rows: Vec<Row> = view
        .rows()
        .iter()
        .enumerate()
        .skip(view.offset)
        .take(body_height)
        .filter_map(|(i, id)| {
            let row = store.get(id)?;
            let mark = marking.then(|| {
                if view.marks.is_marked(id) {
                    Cell::from(Span::styled("*", theme.style(Role::Key)))
                } else {
                    Cell::from(" ")
                }
            });
            let r = Row::new(
                mark.into_iter()
                    .chain(cols.iter().map(|c| cell(c, row, theme, name_width, store))),
            );
            Some(if i == selected {
                r.style(theme.style(Role::Selected))
            } else if !store.host_connected(id.host) {
                r.style(theme.style(Role::Dim))
            } else {
                r.style(theme.style(Role::Base))
            })
        })
        .collect();

    let mark_width = marking.then_some(Constraint::Length(1));
    let widths: Vec<Constraint> = mark_width
        .into_iter()
        .chain(cols.iter().map(|c| {
            if c.width == 0 {
                Constraint::Min(8)
            } else {
                Constraint::Length(c.width)
            }
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
