//! The lower pane: tabs for the selected domain. Overview is live; the others are the
//! places the stats, XML, snapshot and console panes will occupy.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::config::{Role, Theme};
use crate::state::DomainRow;
use crate::ui::domains::table::state_role;
use crate::ui::domains::xml_summary::Summary;
use crate::ui::format;
use crate::ui::text::{escape, name_spans};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Overview,
    Stats,
    Xml,
    Snapshots,
    Console,
    /// The domain's disks and backing chains (`ui::disks::DisksTab` draws it).
    Disks,
    Devices,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::Overview,
        Tab::Stats,
        Tab::Xml,
        Tab::Snapshots,
        Tab::Console,
        Tab::Disks,
        Tab::Devices,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Stats => "Stats",
            Tab::Xml => "XML",
            Tab::Devices => "Devices",
            Tab::Snapshots => "Snapshots",
            Tab::Console => "Console",
            Tab::Disks => "Disks",
        }
    }

    pub fn cycle(self, delta: isize) -> Tab {
        let n = Tab::ALL.len() as isize;
        let i = Tab::ALL.iter().position(|t| *t == self).unwrap_or(0) as isize;
        Tab::ALL[((i + delta).rem_euclid(n)) as usize]
    }
}

/// Draws the tab bar and the tabs drawn here; returns the body area, where panes with
/// state of their own (Snapshots) draw themselves.
/// The tab whose title is drawn at column `x` of the pane's top line (`area` as given to
/// `render`).
pub fn tab_at(area: Rect, x: u16) -> Option<Tab> {
    let mut left = area.x + 1;
    for t in Tab::ALL {
        let w = t.title().chars().count() as u16;
        if (left..left + w).contains(&x) {
            return Some(t);
        }
        left += w + 3;
    }
    None
}

/// `xml`: the live definition's summary and the changes the next boot brings (Overview).
pub fn render(
    f: &mut Frame,
    area: Rect,
    tab: Tab,
    row: Option<&DomainRow>,
    xml: &(Option<&Summary>, Vec<String>),
    theme: &Theme,
) -> Rect {
    let mut titles = vec![Span::raw(" ")];
    for t in Tab::ALL {
        let style = if t == tab {
            theme.style(Role::TabActive)
        } else {
            theme.style(Role::Dim)
        };
        titles.push(Span::styled(t.title(), style));
        titles.push(Span::styled(" │ ", theme.style(Role::Border)));
    }
    titles.pop();
    titles.push(Span::raw(" "));
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.style(Role::Border))
        .title(Line::from(titles));
    let inner = block.inner(area);
    f.render_widget(block, area);

    let Some(row) = row else {
        f.render_widget(
            Paragraph::new(Span::styled(" no domain selected", theme.style(Role::Dim))),
            inner,
        );
        return inner;
    };
    let lines = match tab {
        Tab::Overview => overview(row, xml, theme),
        // The App draws the live XML (XmlPane) into the body.
        Tab::Xml => return inner,
        Tab::Snapshots => return inner,
        // The App draws the devices (DevicesTab) into the body.
        Tab::Devices => return inner,
        // The App draws the disks tab's component into the body.
        Tab::Disks => return inner,
        // Drawn by the App over `body(area)`: the console belongs to the App, not the row.
        Tab::Console => Vec::new(),
        // The App draws the stats pane into `body(area)` itself: it needs the histories.
        Tab::Stats => Vec::new(),
    };
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    inner
}

/// The area under the tab titles, where a tab's content goes.
pub fn body(area: Rect) -> Rect {
    Rect {
        y: area.y.saturating_add(1),
        height: area.height.saturating_sub(1),
        ..area
    }
}

fn overview(
    row: &DomainRow,
    xml: &(Option<&Summary>, Vec<String>),
    theme: &Theme,
) -> Vec<Line<'static>> {
    let i = &row.info;
    let label = |s: &'static str| Span::styled(format!(" {s:<10}"), theme.style(Role::Dim));
    let mut name = vec![label("Name")];
    name.extend(name_spans(
        &i.name,
        theme.style(Role::Base),
        theme.style(Role::Escaped),
    ));
    let (summary, pending) = xml;
    let summary = *summary;
    if let Some(title) = summary
        .and_then(|s| s.title.as_deref())
        .filter(|t| !t.is_empty())
    {
        name.push(Span::styled("  ", theme.style(Role::Dim)));
        name.push(Span::styled(
            escape(title).into_owned(),
            theme.style(Role::Header),
        ));
    }
    let mut extra = Vec::new();
    if !pending.is_empty() {
        extra.push(Line::from(vec![
            label("Next boot"),
            Span::styled(pending.join(", "), theme.style(Role::Warn)),
        ]));
    }
    if let Some(d) = summary
        .and_then(|s| s.description.as_deref())
        .filter(|d| !d.is_empty())
    {
        // One line: the full text is in the XML tab.
        let first = d.lines().next().unwrap_or("");
        extra.push(Line::from(vec![
            label("About"),
            Span::raw(escape(first).into_owned()),
        ]));
    }
    let mut out = vec![
        Line::from(name),
        Line::from(vec![
            label("UUID"),
            Span::raw(escape(&i.id.uuid).into_owned()),
        ]),
        Line::from(if i.saved() {
            vec![
                label("State"),
                Span::styled("saved", theme.style(Role::Paused)),
                Span::styled(
                    "   managed save image: start resumes it",
                    theme.style(Role::Dim),
                ),
            ]
        } else {
            vec![
                label("State"),
                Span::styled(i.state.to_string(), theme.style(state_role(i.state.state))),
                Span::styled(
                    i.dom_id.map_or(String::new(), |d| format!("   id {d}")),
                    theme.style(Role::Dim),
                ),
            ]
        }),
        Line::from(vec![
            label("CPUs"),
            Span::raw(format::count(i.vcpus, "vCPU")),
            Span::styled(
                row.cpu_pct
                    .map_or(String::new(), |p| format!("   {p:.1}% of one host CPU")),
                theme.style(Role::Dim),
            ),
        ]),
        Line::from(vec![
            label("Memory"),
            Span::raw(format!(
                "{} of {} max",
                format::mem(i.memory_kib),
                format::mem(i.max_memory_kib)
            )),
        ]),
        Line::from(vec![
            label("Flags"),
            Span::raw(format!(
                "{}, {}",
                if i.persistent {
                    "persistent"
                } else {
                    "transient"
                },
                if i.autostart {
                    "autostart on"
                } else {
                    "autostart off"
                }
            )),
        ]),
    ];
    // Pending changes and the description go right under the state: the pane is short.
    for (k, l) in extra.into_iter().enumerate() {
        out.insert(3 + k, l);
    }
    if !row.addresses.is_empty() && i.state.state.is_active() {
        out.push(Line::from(vec![
            label("IP"),
            Span::raw(escape(&row.addresses.join(", ")).into_owned()),
        ]));
    }
    out
}
