//! Passing a host's PCI or USB device through to a domain, and taking it back: the
//! domain is chosen in a popup that shows the device, the IOMMU group that must go with
//! it, and the fragment sent (`virsh attach-device` / `detach-device`).

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::action::{Action, Scope};
use crate::backend::devices::fragment::hostdev_xml;
use crate::backend::devices::{Affect, DeviceCmd, DeviceOp, DeviceRef, HostdevSpec};
use crate::backend::node::NodeDeviceInfo;
use crate::backend::{Command, DomainId, HostId, RequestId};
use crate::config::Role;
use crate::ui::layer::{Ctx, DrawCtx, Flow, Layer, Level};
use crate::ui::networks::table::scroll;
use crate::ui::text::escape;
use crate::ui::widgets::{centered, frame};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Attach,
    Detach,
}

impl Mode {
    pub fn verb(self) -> &'static str {
        match self {
            Mode::Attach => "attach",
            Mode::Detach => "detach",
        }
    }
}

/// The hostdev a node device becomes in a domain's XML.
pub fn spec_of(d: &NodeDeviceInfo) -> Result<HostdevSpec, String> {
    match d.kind.as_str() {
        "pci" if !d.address.is_empty() => Ok(HostdevSpec::Pci {
            address: d.address.clone(),
        }),
        "usb" => Ok(HostdevSpec::Usb {
            vendor: d.vendor_id.clone(),
            product: d.product_id.clone(),
        }),
        _ => Err(format!(
            "{} cannot be passed through: not a PCI or USB device with an address",
            d.name
        )),
    }
}

/// One line naming a device: address, vendor and product.
pub fn describe(d: &NodeDeviceInfo) -> String {
    format!(
        "{} {} {}",
        d.address,
        d.vendor.as_deref().unwrap_or(&d.vendor_id),
        d.product.as_deref().unwrap_or(&d.product_id)
    )
}

/// The IOMMU lines: the other members of the device's group (all must be passed through
/// together), or that it is alone, or that no group is known. `all`: every node device,
/// to name the other members.
pub fn group_lines(d: &NodeDeviceInfo, all: &[NodeDeviceInfo]) -> Vec<String> {
    if d.kind != "pci" {
        return Vec::new();
    }
    let Some(group) = d.iommu_group else {
        return vec![
            "No IOMMU group known: passthrough needs the host's IOMMU on (intel_iommu=on / amd_iommu=on)."
                .into(),
        ];
    };
    let others: Vec<String> = d
        .iommu_members
        .iter()
        .filter(|m| **m != d.address)
        .map(|m| {
            all.iter()
                .find(|o| o.address == *m)
                .map_or_else(|| m.clone(), describe)
        })
        .collect();
    if others.is_empty() {
        return vec![format!("IOMMU group {group}: this device alone.")];
    }
    let mut out = vec![format!(
        "WARNING: the whole IOMMU group {group} must be passed through together; it also holds:"
    )];
    out.extend(others.into_iter().map(|o| format!("  {o}")));
    out
}

/// The popup: pick the domain; Enter sends the command with `req`, which the host view
/// waits for.
pub struct HostdevDialog {
    pub host: HostId,
    pub mode: Mode,
    pub device: NodeDeviceInfo,
    pub spec: HostdevSpec,
    /// Lines about the IOMMU group (`group_lines`).
    pub group: Vec<String>,
    /// Domains to choose from: id, name, state.
    pub choices: Vec<(DomainId, String, String)>,
    pub selected: usize,
    /// First domain row shown when they do not all fit.
    pub offset: usize,
    pub req: RequestId,
}

impl HostdevDialog {
    fn op(&self) -> DeviceOp {
        match self.mode {
            Mode::Attach => DeviceOp::AttachHostdev(self.spec.clone()),
            Mode::Detach => DeviceOp::Detach(DeviceRef::Hostdev(self.device.address.clone())),
        }
    }
}

impl Layer for HostdevDialog {
    fn scopes(&self) -> &'static [Scope] {
        &[Scope::Input, Scope::Global]
    }

    fn on_key(&mut self, key: &KeyEvent, cx: &mut Ctx) -> Flow {
        let last = self.choices.len().saturating_sub(1);
        match cx.action(&[Scope::Input, Scope::Global], key) {
            Some(Action::Up) => self.selected = self.selected.saturating_sub(1),
            Some(Action::Down) => self.selected = (self.selected + 1).min(last),
            Some(Action::Top) => self.selected = 0,
            Some(Action::Bottom) => self.selected = last,
            Some(Action::InputCancel) => {
                cx.status(
                    Level::Warn,
                    format!("{} {}: cancelled", self.mode.verb(), self.device.address),
                );
                return Flow::Close;
            }
            Some(Action::InputAccept) => {
                let Some((id, name, _)) = self.choices.get(self.selected).cloned() else {
                    return Flow::Close;
                };
                cx.send(Command::Device(
                    self.host,
                    DeviceCmd::Run {
                        req: self.req,
                        id,
                        op: self.op(),
                        affect: Affect::Auto,
                        dry_run: false,
                    },
                ));
                let (verb, dir) = match self.mode {
                    Mode::Attach => ("attaching", "to"),
                    Mode::Detach => ("detaching", "from"),
                };
                cx.status(
                    Level::Info,
                    format!("{verb} {} {dir} {}…", self.device.address, escape(&name)),
                );
                return Flow::Close;
            }
            _ => {}
        }
        Flow::Consumed
    }

    fn hints(&self) -> Vec<Action> {
        vec![Action::InputAccept, Action::InputCancel]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawCtx) {
        let t = &cx.config.theme;
        let k = |a| cx.config.keymap.keys_label(a);
        let mut lines = vec![Line::from(escape(&describe(&self.device)).into_owned())];
        for g in &self.group {
            let role = if g.starts_with("WARNING") || g.starts_with("  ") {
                Role::Warn
            } else {
                Role::Dim
            };
            lines.push(Line::styled(escape(g).into_owned(), t.style(role)));
        }
        lines.push(Line::from(""));
        lines.push(Line::from(match self.mode {
            Mode::Attach => "To domain:",
            Mode::Detach => "From domain:",
        }));
        let choices_at = lines.len();
        for (i, (_, name, state)) in self.choices.iter().enumerate() {
            let line = Line::from(vec![
                Span::raw(if i == self.selected { "▶ " } else { "  " }),
                Span::raw(format!("{:<20} ", escape(name))),
                Span::styled(state.clone(), t.style(Role::Dim)),
            ]);
            lines.push(if i == self.selected {
                line.style(t.style(Role::Selected))
            } else {
                line
            });
        }
        lines.push(Line::from(""));
        lines.push(Line::styled(
            "Live and persistent while the domain runs (persistent only when shut off); \
             the host's driver lets go of the device (managed='yes').",
            t.style(Role::Dim),
        ));
        if let (Mode::Attach, Ok(xml)) = (self.mode, hostdev_xml(&self.spec)) {
            for l in xml.lines() {
                lines.push(Line::styled(escape(l).into_owned(), t.style(Role::Dim)));
            }
        }
        lines.push(Line::styled(
            format!(
                "{} {} · {} cancel",
                k(Action::InputAccept),
                self.mode.verb(),
                k(Action::InputCancel)
            ),
            t.style(Role::Dim),
        ));
        let width = area.width.clamp(20, 96);
        let inner = usize::from(width.saturating_sub(2)).max(1);
        let rows_of = |l: &Line| l.width().div_ceil(inner).max(1);
        // Many domains: the list scrolls so the selection and the keys stay in view.
        let others: usize = lines.iter().map(rows_of).sum::<usize>() - self.choices.len();
        let room = usize::from(area.height).saturating_sub(others + 2).max(1);
        if self.choices.len() > room {
            self.offset = scroll(self.offset, self.selected, room);
            let shown: Vec<Line> = lines
                .drain(choices_at..choices_at + self.choices.len())
                .skip(self.offset)
                .take(room)
                .collect();
            lines.splice(choices_at..choices_at, shown);
        }
        let rows: usize = lines.iter().map(rows_of).sum();
        let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
        let rect = centered(area, width, height);
        f.render_widget(Clear, rect);
        let title = format!(
            "{} {} ({})",
            match self.mode {
                Mode::Attach => "Attach",
                Mode::Detach => "Detach",
            },
            self.device.address,
            self.device.kind
        );
        f.render_widget(
            Paragraph::new(lines)
                .block(frame(&title, true, t))
                .wrap(Wrap { trim: false }),
            rect,
        );
    }
}
