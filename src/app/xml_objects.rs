//! The XML editor's network and storage pool replies: their fetched and defined XML, and
//! a network or pool that vanishes or changes under the editor.

use super::App;
use crate::backend::HostId;
use crate::backend::network::{NetEvent, NetLifecycle};
use crate::backend::storage::{StorageError, StorageEvent};
use crate::ui::xml_editor::Target;

/// The header's word for a network or pool that vanished (the title names it already).
const UNDEFINED: &str = "undefined by another client";

impl App {
    /// Network events for the editor; true when the event was its reply alone.
    pub(super) fn on_xml_network(&mut self, host: HostId, ev: &NetEvent) -> bool {
        match ev {
            NetEvent::Xml { req, result, .. } => {
                let live = self.xml.as_ref().is_some_and(|ed| ed.loading_live);
                self.xml_fetched(*req, live, false, result.as_deref().map_err(Clone::clone))
            }
            NetEvent::Defined { req, result } => {
                if !self.applying(*req) {
                    return false;
                }
                match result {
                    Ok(info) => {
                        let edited = self.xml.as_ref().is_some_and(|ed| !ed.target.is_new());
                        let notice = if edited && info.active {
                            format!(
                                "defined {}: it is active, so the change takes effect when it is \
                                 stopped and started again",
                                info.name
                            )
                        } else {
                            format!("defined {}", info.name)
                        };
                        let target = Target::Network {
                            id: info.id.clone(),
                            name: info.name.clone(),
                        };
                        // libvirt's own text (uuid, mac, bridge it picked) is fetched.
                        self.xml_defined(target, &info.name, None, notice);
                    }
                    Err(e) => self.xml_define_failed(e, None),
                }
                true
            }
            NetEvent::Removed(id) => {
                self.note_editor_network(host, &id.uuid, None, UNDEFINED);
                false
            }
            NetEvent::Lifecycle {
                id, name, event, ..
            } => {
                match event {
                    NetLifecycle::Undefined => {
                        self.note_editor_network(host, &id.uuid, None, UNDEFINED)
                    }
                    NetLifecycle::Defined => {
                        self.note_editor_network(host, &id.uuid, Some(name), "")
                    }
                    _ => {}
                }
                false
            }
            NetEvent::List(list) => {
                let gone = self.xml.as_ref().is_some_and(|ed| match &ed.target {
                    Target::Network { id, .. } => {
                        id.host == host && !list.iter().any(|n| n.id == *id)
                    }
                    _ => false,
                });
                if gone && let Some(Target::Network { id, .. }) = self.xml_target() {
                    self.note_editor_network(host, &id.uuid, None, UNDEFINED);
                }
                false
            }
            _ => false,
        }
    }

    /// Storage replies for the editor; true when the event was its reply alone.
    pub(super) fn on_xml_storage(&mut self, host: HostId, ev: &StorageEvent) -> bool {
        match ev {
            StorageEvent::Xml { req, result } => {
                let live = self.xml.as_ref().is_some_and(|ed| ed.loading_live);
                let result = result.as_deref().map_err(|e| e.to_string());
                self.xml_fetched(*req, live, false, result)
            }
            StorageEvent::PoolDefined { req, result } => {
                if !self.applying(*req) {
                    return false;
                }
                match result {
                    Ok(d) => {
                        let target = Target::Pool {
                            host,
                            uuid: d.info.uuid.clone(),
                            name: d.info.name.clone(),
                        };
                        let notice = format!("defined pool {}", d.info.name);
                        self.xml_defined(target, &d.info.name, Some(&d.xml), notice);
                    }
                    Err(StorageError::Gone(e)) => {
                        self.xml_define_failed(e, Some(UNDEFINED.into()));
                    }
                    Err(e) => self.xml_define_failed(&e.to_string(), None),
                }
                // The pools view under the editor lists the new pool too.
                false
            }
            StorageEvent::Pools {
                result: Ok(list), ..
            } => {
                // No pool events in libvirt: a fresh list is how a vanished pool shows.
                let Some(ed) = self.xml.as_mut() else {
                    return false;
                };
                if let Target::Pool { host: h, uuid, .. } = &ed.target
                    && *h == host
                    && ed.applying.is_none()
                {
                    if list.iter().any(|p| p.uuid.eq_ignore_ascii_case(uuid)) {
                        ed.gone = None;
                    } else if ed.gone.is_none() {
                        ed.gone = Some(UNDEFINED.into());
                        self.xml_define_anew = false;
                    }
                }
                false
            }
            _ => false,
        }
    }

    fn applying(&self, req: u64) -> bool {
        self.xml.as_ref().is_some_and(|ed| ed.applying == Some(req))
    }

    fn xml_target(&self) -> Option<Target> {
        self.xml.as_ref().map(|ed| ed.target.clone())
    }

    /// The network in the editor was undefined (`name` None: say `why`) or defined again
    /// (`name` Some): its header says so, as it happens, like a domain's.
    fn note_editor_network(&mut self, host: HostId, uuid: &str, name: Option<&str>, why: &str) {
        let Some(ed) = self.xml.as_mut() else { return };
        let Target::Network { id, .. } = &ed.target else {
            return;
        };
        if id.host != host || id.uuid != uuid || ed.applying.is_some() {
            return;
        }
        match name {
            None if ed.gone.is_none() => {
                ed.gone = Some(why.to_string());
                self.xml_define_anew = false;
            }
            Some(_) if ed.gone.take().is_some() => self.xml_define_anew = false,
            _ => {}
        }
    }
}
