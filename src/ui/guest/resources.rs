//! The memory and vCPU dialogs (`virsh setmem` / `setmaxmem` / `setvcpus`): current and
//! maximum, live or persistent, checked against the limits libvirt reports before anything
//! is sent; libvirt's own refusals show in the dialog.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::action::{Action, Scope};
use crate::backend::devices::{Affect, DeviceCmd, DeviceEvent, Limits};
use crate::backend::events::DomainEventDetail;
use crate::backend::storage::units::parse_size;
use crate::backend::{BackendEvent, Command, DomainId, RequestId};
use crate::ui::format;
use crate::ui::layer::{Ctx, DrawCtx, Flow, Layer, Level};
use crate::ui::text::escape;
use crate::ui::widgets::{Edit, LineInput};

/// Which of the two the dialog changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    Memory,
    Vcpus,
}

/// One change to send: the new value (KiB or a count) and whether it is the maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub value: u64,
    pub maximum: bool,
}

mod draw;

pub struct ResourceDialog {
    pub what: Resource,
    pub id: DomainId,
    pub name: String,
    limits_req: RequestId,
    limits: Option<Result<Limits, String>>,
    /// 0 current, 1 maximum, 2 where the change applies.
    field: usize,
    current: LineInput,
    maximum: LineInput,
    /// The texts as filled in from the limits: only edited fields are sent.
    initial: (String, String),
    affect: Affect,
    /// Requests sent and not answered yet, with what they were.
    pending: Vec<(RequestId, &'static str)>,
    /// What happened to the last apply, one entry per command.
    results: Vec<Result<String, String>>,
    error: Option<String>,
}

/// Opens the dialog for the selected domain (asks libvirt for the limits first).
pub fn open(what: Resource, cx: &mut Ctx) {
    let action = match what {
        Resource::Memory => Action::SetMemory,
        Resource::Vcpus => Action::SetVcpus,
    };
    if cx.refuse_mutation(action) {
        return;
    }
    let Some(row) = cx.selected_row() else {
        return;
    };
    let id = row.info.id.clone();
    let req = cx.reqs.allocate();
    cx.send(Command::Device(
        id.host,
        DeviceCmd::Limits {
            req,
            id: id.clone(),
        },
    ));
    cx.push(ResourceDialog {
        what,
        id,
        name: row.info.name.clone(),
        limits_req: req,
        limits: None,
        field: 0,
        current: LineInput::default(),
        maximum: LineInput::default(),
        initial: (String::new(), String::new()),
        affect: Affect::Auto,
        pending: Vec::new(),
        results: Vec::new(),
        error: None,
    });
}

/// A memory size as typed: a bare number is MiB, or any virsh unit (`512M`, `1.5G`,
/// `262144K`); returned in KiB.
pub fn parse_memory(text: &str) -> Result<u64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("type a size: 512 (MiB), 512M, 1G".into());
    }
    let bytes = if t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        parse_size(&format!("{t}M"))?
    } else {
        parse_size(t)?
    };
    Ok(bytes / 1024)
}

fn parse_count(text: &str) -> Result<u64, String> {
    text.trim()
        .parse::<u64>()
        .map_err(|_| format!("{:?} is not a vCPU count", text.trim()))
}

/// The scopes a domain in this state can take, the default first.
fn scopes_for(l: &Limits) -> Vec<Affect> {
    match (l.active, l.persistent) {
        (true, true) => vec![Affect::Both, Affect::Live, Affect::Config],
        (true, false) => vec![Affect::Live],
        _ => vec![Affect::Config],
    }
}

fn flags(a: Affect) -> &'static str {
    match a {
        Affect::Live => " --live",
        Affect::Config => " --config",
        Affect::Both => " --live --config",
        Affect::Auto => "",
    }
}

impl ResourceDialog {
    fn noun(&self) -> &'static str {
        match self.what {
            Resource::Memory => "memory",
            Resource::Vcpus => "vCPUs",
        }
    }

    fn show(&self, v: u64) -> String {
        match self.what {
            Resource::Memory => format::mem(v),
            Resource::Vcpus => v.to_string(),
        }
    }

    fn parse(&self, text: &str) -> Result<u64, String> {
        match self.what {
            Resource::Memory => parse_memory(text),
            Resource::Vcpus => parse_count(text),
        }
    }

    fn fill(&mut self, l: &Limits) {
        let (cur, max) = match self.what {
            Resource::Memory => (
                (l.memory_kib / 1024).to_string(),
                (l.max_memory_kib / 1024).to_string(),
            ),
            Resource::Vcpus => (l.vcpus.to_string(), l.max_vcpus.to_string()),
        };
        self.current = LineInput::new(cur.clone());
        self.maximum = LineInput::new(max.clone());
        self.initial = (cur, max);
        if !scopes_for(l).contains(&self.affect) {
            self.affect = scopes_for(l)[0];
        }
    }

    /// The changes to send, in an order libvirt accepts (a raised maximum before the
    /// current value that needs it, a lowered one after), or why they are refused.
    pub fn changes(&self) -> Result<Vec<Change>, String> {
        let Some(Ok(l)) = &self.limits else {
            return Err("the limits are not known yet".into());
        };
        let (old_cur, old_max, host_max) = match self.what {
            Resource::Memory => (l.memory_kib, l.max_memory_kib, None),
            Resource::Vcpus => (
                u64::from(l.vcpus),
                u64::from(l.max_vcpus),
                l.host_max_vcpus.map(u64::from),
            ),
        };
        let cur_edited = self.current.text.trim() != self.initial.0;
        let max_edited = self.maximum.text.trim() != self.initial.1;
        let cur = if cur_edited {
            Some(self.parse(&self.current.text)?)
        } else {
            None
        };
        let max = if max_edited {
            Some(self.parse(&self.maximum.text)?)
        } else {
            None
        };
        if cur == Some(0) || max == Some(0) {
            return Err(match self.what {
                Resource::Memory => "memory must be above 0".into(),
                Resource::Vcpus => "a domain needs at least one vCPU".into(),
            });
        }
        if let (Some(m), Some(h)) = (max, host_max)
            && m > h
        {
            return Err(format!(
                "maximum {m} is above the {h} vCPUs this hypervisor allows"
            ));
        }
        let limit = max.unwrap_or(old_max);
        if let Some(c) = cur
            && c > limit
        {
            return Err(format!(
                "{} {} is above the maximum of {}{}",
                self.noun(),
                self.show(c),
                self.show(limit),
                if max.is_none() {
                    ": raise the maximum too"
                } else {
                    ""
                }
            ));
        }
        if max.is_some() && cur.is_none() && old_cur > limit {
            return Err(format!(
                "the maximum {} is below the current {}: lower the current value too",
                self.show(limit),
                self.show(old_cur)
            ));
        }
        let cur = cur.map(|value| Change {
            value,
            maximum: false,
        });
        let max = max.map(|value| Change {
            value,
            maximum: true,
        });
        let raise = max.is_some_and(|m| m.value >= old_max);
        let order = if raise { [max, cur] } else { [cur, max] };
        Ok(order.into_iter().flatten().collect())
    }

    fn command(&self, c: Change, req: RequestId) -> (DeviceCmd, &'static str) {
        let id = self.id.clone();
        let affect = self.affect;
        match self.what {
            Resource::Memory => (
                DeviceCmd::SetMemory {
                    req,
                    id,
                    kib: c.value,
                    maximum: c.maximum,
                    affect,
                },
                if c.maximum { "setmaxmem" } else { "setmem" },
            ),
            Resource::Vcpus => (
                DeviceCmd::SetVcpus {
                    req,
                    id,
                    count: u32::try_from(c.value).unwrap_or(u32::MAX),
                    maximum: c.maximum,
                    affect,
                },
                if c.maximum {
                    "setvcpus --maximum"
                } else {
                    "setvcpus"
                },
            ),
        }
    }

    /// The virsh lines the changes stand for.
    fn same_as(&self, changes: &[Change]) -> String {
        let lines: Vec<String> = changes
            .iter()
            .map(|c| match (self.what, c.maximum) {
                (Resource::Memory, false) => format!("virsh setmem {} {}", self.name, c.value),
                (Resource::Memory, true) => format!("virsh setmaxmem {} {}", self.name, c.value),
                (Resource::Vcpus, false) => format!("virsh setvcpus {} {}", self.name, c.value),
                (Resource::Vcpus, true) => {
                    format!("virsh setvcpus {} {} --maximum", self.name, c.value)
                }
            })
            .map(|l| format!("{l}{}", flags(self.affect)))
            .collect();
        lines.join("; ")
    }

    fn apply(&mut self, cx: &mut Ctx) {
        if !self.pending.is_empty() {
            return;
        }
        let changes = match self.changes() {
            Ok(c) => c,
            Err(e) => {
                self.error = Some(e);
                return;
            }
        };
        if changes.is_empty() {
            self.error = Some("nothing changed: edit a value first".into());
            return;
        }
        self.error = None;
        self.results.clear();
        for c in changes {
            let req = cx.reqs.allocate();
            let (cmd, what) = self.command(c, req);
            cx.send(Command::Device(self.id.host, cmd));
            self.pending.push((req, what));
        }
    }

    /// The balloon reached a new size (it moves for a while after a setmem returns): the
    /// figures follow, and so does the current value unless it is being edited.
    fn balloon_moved(&mut self, actual_kib: u64) {
        let Some(Ok(l)) = &mut self.limits else {
            return;
        };
        l.memory_kib = actual_kib;
        if self.what == Resource::Memory && self.current.text.trim() == self.initial.0 {
            let now = (actual_kib / 1024).to_string();
            self.current = LineInput::new(now.clone());
            self.initial.0 = now;
        }
    }

    fn cycle_scope(&mut self) {
        let Some(Ok(l)) = &self.limits else {
            return;
        };
        let all = scopes_for(l);
        let i = all.iter().position(|a| *a == self.affect).unwrap_or(0);
        self.affect = all[(i + 1) % all.len()];
    }
}

impl Layer for ResourceDialog {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::SnapshotDialog, Scope::Input]
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        match cx.action(&[Scope::SnapshotDialog], key) {
            Some(Action::NextField) => {
                self.field = (self.field + 1) % 3;
                return Flow::Consumed;
            }
            Some(Action::PrevField) => {
                self.field = (self.field + 2) % 3;
                return Flow::Consumed;
            }
            Some(Action::ToggleOption) if self.field == 2 => {
                self.cycle_scope();
                return Flow::Consumed;
            }
            _ => {}
        }
        let edit = match self.field {
            0 => self.current.on_key(&cx.config.keymap, key),
            1 => self.maximum.on_key(&cx.config.keymap, key),
            _ => LineInput::default().on_key(&cx.config.keymap, key),
        };
        match edit {
            Edit::Cancel => return Flow::Close,
            Edit::Accept => self.apply(cx),
            Edit::Changed => self.error = None,
            Edit::Ignored => {}
        }
        Flow::Consumed
    }

    fn on_paste(&mut self, text: &str, _cx: &mut Ctx) -> Flow {
        match self.field {
            0 => self.current.paste(text),
            1 => self.maximum.paste(text),
            _ => {}
        }
        Flow::Consumed
    }

    fn on_backend(&mut self, ev: &BackendEvent, cx: &mut Ctx) {
        if let BackendEvent::DomainEvent(_, r) = ev
            && r.id == self.id
            && let DomainEventDetail::BalloonChange { actual_kib } = r.detail
        {
            self.balloon_moved(actual_kib);
            return;
        }
        let BackendEvent::Device(_, ev) = ev else {
            return;
        };
        match ev.as_ref() {
            DeviceEvent::Limits { req, result, .. } if *req == self.limits_req => {
                let result = result.clone().map_err(|e| e.to_string());
                if let Ok(l) = &result {
                    self.fill(l);
                }
                self.limits = Some(result);
            }
            DeviceEvent::Done { req, result, .. } => {
                let Some(i) = self.pending.iter().position(|(r, _)| r == req) else {
                    return;
                };
                let (_, what) = self.pending.remove(i);
                self.results.push(match result {
                    Ok(()) => Ok(format!("{what}: done")),
                    Err(e) => Err(format!("{what} failed: {e}")),
                });
                if self.pending.is_empty() {
                    let ok = self.results.iter().all(Result::is_ok);
                    let summary: Vec<String> = self
                        .results
                        .iter()
                        .map(|r| r.clone().unwrap_or_else(|e| e))
                        .collect();
                    let level = if ok { Level::Done } else { Level::Error };
                    cx.status(
                        level,
                        format!("{}: {}", escape(&self.name), summary.join("; ")),
                    );
                    if ok {
                        // Show what libvirt now says, not what was typed.
                        self.limits_req = cx.reqs.allocate();
                        cx.send(Command::Device(
                            self.id.host,
                            DeviceCmd::Limits {
                                req: self.limits_req,
                                id: self.id.clone(),
                            },
                        ));
                    }
                }
            }
            _ => {}
        }
    }

    fn hints(&self) -> Vec<Action> {
        vec![
            Action::NextField,
            Action::ToggleOption,
            Action::InputAccept,
            Action::InputCancel,
        ]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        self.render(f, area, cx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sizes_default_to_mib() {
        assert_eq!(parse_memory("512"), Ok(512 * 1024));
        assert_eq!(parse_memory("1G"), Ok(1024 * 1024));
        assert_eq!(parse_memory("262144K"), Ok(262144));
        assert!(parse_memory("lots").is_err());
        assert!(parse_memory("").is_err());
    }
}
