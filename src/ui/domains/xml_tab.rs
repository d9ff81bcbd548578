//! The selected domain's live and persistent XML, fetched through the worker for the XML
//! tab (read-only, the editor's colours) and the Overview (title, description, the
//! changes waiting for the next boot).

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::backend::{BackendEvent, Command, DomainId, RequestId};
use crate::config::{Role, Theme};
use crate::ui::domains::xml_summary::{Summary, pending, summarize};
use crate::ui::layer::Ctx;
use crate::ui::text::escape;
use crate::ui::xml_editor::highlight;
use crate::ui::xml_editor::view::role;

/// One definition: awaited, read, or libvirt's reason.
#[derive(Clone, Debug, Default)]
pub enum Fetched {
    #[default]
    Waiting,
    Xml {
        text: String,
        summary: Summary,
    },
    Failed(String),
}

impl Fetched {
    fn summary(&self) -> Option<&Summary> {
        match self {
            Fetched::Xml { summary, .. } => Some(summary),
            _ => None,
        }
    }
}

/// The shortest time between two reads of the definitions (each is a round trip).
const MIN_GAP: std::time::Duration = std::time::Duration::from_millis(300);

#[derive(Default)]
pub struct XmlPane {
    pub domain: Option<DomainId>,
    live_req: Option<RequestId>,
    next_req: Option<RequestId>,
    pub live: Fetched,
    /// The persistent (inactive) definition: what the next boot uses.
    pub next: Fetched,
    /// A lifecycle event or F5: re-read at the next sync.
    pub stale: bool,
    pub scroll: u16,
    /// Lines shown at the last draw: one page for the scroll keys.
    pub page: u16,
    fetched_at: Option<Instant>,
}

impl XmlPane {
    /// After every event (ticks too): reads both definitions when a tab that shows them
    /// (`wanted`) is on another domain or they went stale. Holding `j` over a long list
    /// asks at most every [`MIN_GAP`]; the last selection is read by the next tick.
    pub fn sync(&mut self, wanted: bool, selected: Option<&DomainId>, cx: &mut Ctx) {
        if !wanted {
            return;
        }
        if selected != self.domain.as_ref() {
            *self = XmlPane {
                domain: selected.cloned(),
                stale: true,
                fetched_at: self.fetched_at,
                ..XmlPane::default()
            };
        }
        if self.stale && self.fetched_at.is_none_or(|t| t.elapsed() >= MIN_GAP) {
            self.fetch(cx);
        }
    }

    fn fetch(&mut self, cx: &mut Ctx) {
        self.stale = false;
        let Some(id) = self.domain.clone() else {
            return;
        };
        self.fetched_at = Some(Instant::now());
        for live in [true, false] {
            let req = cx.reqs.allocate();
            if live {
                self.live_req = Some(req);
            } else {
                self.next_req = Some(req);
            }
            cx.send(Command::FetchXml {
                req,
                id: id.clone(),
                live,
                secure: false,
            });
        }
    }

    /// Takes the replies to its own requests (true), marks itself stale on a lifecycle
    /// event of its domain; everything else is left to others (false).
    pub fn on_backend(&mut self, ev: &BackendEvent) -> bool {
        match ev {
            BackendEvent::XmlFetched { req, result, .. } => {
                let slot = if self.live_req == Some(*req) {
                    self.live_req = None;
                    &mut self.live
                } else if self.next_req == Some(*req) {
                    self.next_req = None;
                    &mut self.next
                } else {
                    return false;
                };
                *slot = match result {
                    Ok(text) => Fetched::Xml {
                        summary: summarize(text),
                        text: text.clone(),
                    },
                    Err(e) => Fetched::Failed(e.clone()),
                };
                true
            }
            BackendEvent::Lifecycle { id, .. } if self.domain.as_ref() == Some(id) => {
                self.stale = true;
                false
            }
            // A new name, title or description raises no lifecycle event.
            BackendEvent::Rename(
                _,
                crate::backend::rename::RenameEvent::Applied {
                    id, result: Ok(_), ..
                },
            ) if self.domain.as_ref() == Some(id) => {
                self.stale = true;
                false
            }
            _ => false,
        }
    }

    /// The live definition's summary and the changes the next boot brings.
    pub fn summary(&self) -> (Option<&Summary>, Vec<String>) {
        let live = self.live.summary();
        let diff = match (live, self.next.summary()) {
            (Some(l), Some(n)) => pending(l, n),
            _ => Vec::new(),
        };
        (live, diff)
    }

    /// The XML tab: a line on how the live and persistent definitions relate, then the
    /// live XML, read-only, coloured as in the editor.
    pub fn render(&mut self, f: &mut Frame, area: Rect, theme: &Theme) {
        let dim = theme.style(Role::Dim);
        let text = match &self.live {
            Fetched::Waiting => {
                f.render_widget(Span::styled(" reading the XML…", dim), area);
                return;
            }
            Fetched::Failed(e) => {
                let msg = format!(" cannot read the XML: {}", escape(e));
                f.render_widget(Span::styled(msg, theme.style(Role::Error)), area);
                return;
            }
            Fetched::Xml { text, .. } => text,
        };
        let (_, diff) = self.summary();
        let head = if diff.is_empty() {
            Line::from(Span::styled(
                " live definition (read-only; e edits the persistent one)",
                dim,
            ))
        } else {
            Line::from(vec![
                Span::styled(" live; the next boot differs: ", theme.style(Role::Warn)),
                Span::raw(diff.join(", ")),
            ])
        };
        let lines: Vec<&str> = text.lines().collect();
        let rows = usize::from(area.height.saturating_sub(1));
        self.page = area.height.saturating_sub(1).max(1);
        let max = lines.len().saturating_sub(rows);
        self.scroll = self.scroll.min(u16::try_from(max).unwrap_or(u16::MAX));
        let mut out = vec![head];
        let mut st = highlight::State::default();
        for (i, l) in lines.iter().enumerate() {
            let (runs, next) = highlight::line(l, st);
            st = next;
            if i < usize::from(self.scroll) {
                continue;
            }
            if out.len() > rows {
                break;
            }
            out.push(Line::from(
                runs.into_iter()
                    .map(|(a, b, k)| {
                        Span::styled(escape(&l[a..b]).into_owned(), theme.style(role(k)))
                    })
                    .collect::<Vec<_>>(),
            ));
        }
        f.render_widget(Paragraph::new(out), area);
    }
}
