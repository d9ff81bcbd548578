//! A worker carrying out the App's commands: every libvirt call a key or a view asks for
//! starts here, on the worker's thread.

use super::*;

impl Worker {
    pub(super) fn handle_command(&mut self, cmd: Command) {
        match cmd {
            Command::Quit => {}
            Command::Refresh(_) => self.reconcile(),
            Command::Reconnect(_) => {
                if self.session.is_none() {
                    self.try_reconnect(self.reconnect.map_or(1, |(a, _)| a), false);
                }
            }
            Command::ReconnectInteractive(_) => {
                if self.session.is_none() {
                    self.try_reconnect(self.reconnect.map_or(1, |(a, _)| a), true);
                } else {
                    // Already back: say so, the App is waiting for an answer.
                    self.announce_connected();
                }
            }
            Command::Visible(_, ids) => self.stats.set_visible(ids),
            Command::FetchXml {
                req,
                id,
                live,
                secure,
            } => {
                let result = usable(self.conn(), self.cfg.readonly, false)
                    .map_err(String::from)
                    .and_then(|c| crate::backend::xmldef::fetch(c, &id, live, secure));
                self.emit(BackendEvent::XmlFetched {
                    req,
                    id,
                    live,
                    secure,
                    result,
                });
            }
            Command::DefineXml {
                req, editing, xml, ..
            } => {
                let result = match usable(self.conn(), self.cfg.readonly, true) {
                    Ok(c) => {
                        crate::backend::xmldef::define(c, self.cfg.host, editing.as_ref(), &xml)
                    }
                    Err(Refusal::NotConnected) => {
                        Err(format!("{}: the buffer is kept", Refusal::NotConnected))
                    }
                    Err(why) => Err(why.into()),
                };
                if let Ok(d) = &result
                    && let Some(s) = &self.session
                    && let Ok(dom) = s.conn.lookup_domain_by_uuid_string(&d.id.uuid)
                    && let Ok(info) = domains::read_info(self.cfg.host, &dom)
                {
                    self.emit(BackendEvent::DomainUpdated(info));
                }
                self.emit(BackendEvent::XmlDefined {
                    host: self.cfg.host,
                    req,
                    result,
                });
            }
            Command::Snapshot(c) => crate::backend::snapshots::handle(
                self.session.as_ref().map(|s| &s.conn),
                self.cfg.readonly,
                &self.sink,
                c,
            ),
            Command::Bulk {
                host,
                req,
                op,
                targets,
            } => crate::backend::bulk::handle(
                self.session.as_ref().map(|s| &s.conn),
                self.cfg.readonly,
                &self.sink,
                host,
                req,
                op,
                targets,
            ),
            Command::Network(_, c) => {
                let conn = self.session.as_ref().map(|s| &s.conn);
                self.networks.handle(conn, self.cfg.readonly, &self.sink, c);
            }
            Command::Device(_, c) => {
                let conn = self.session.as_ref().map(|s| &s.conn);
                crate::backend::devices::handle(
                    conn,
                    self.cfg.host,
                    self.cfg.readonly,
                    &self.sink,
                    c,
                );
            }
            Command::Node(_, c) => {
                let conn = self.session.as_ref().map(|s| &s.conn);
                crate::backend::node::handle(
                    conn,
                    self.cfg.host,
                    self.cfg.readonly,
                    &self.sink,
                    &mut self.networks.index,
                    c,
                );
            }
            Command::Create(_, c) => {
                let conn = self.session.as_ref().map(|s| &s.conn);
                crate::backend::create::handle(
                    conn,
                    self.cfg.host,
                    self.cfg.readonly,
                    &self.sink,
                    c,
                );
            }
            Command::Storage(_, c) => {
                let conn = self.session.as_ref().map(|s| &s.conn);
                self.storage.handle(conn, self.cfg.readonly, &self.sink, c);
            }
            Command::Jobs(_, c) => {
                let conn = self.session.as_ref().map(|s| &s.conn);
                self.jobs.handle(conn, self.cfg.readonly, &self.sink, c);
            }
            Command::Clone(_, c) => {
                let conn = self.session.as_ref().map(|s| &s.conn);
                self.clones.handle(conn, self.cfg.readonly, &self.sink, c);
            }
            Command::Rename(_, c) => {
                let conn = self.session.as_ref().map(|s| &s.conn);
                crate::backend::rename::handle(
                    self.cfg.host,
                    conn,
                    self.cfg.readonly,
                    &self.sink,
                    c,
                );
            }
            Command::Console(_, cmd) => {
                let conn = self.session.as_ref().map(|s| &s.conn);
                self.consoles.handle(conn, cmd, &self.sink, &self.tx);
            }
            Command::Lifecycle { req, id, name, op } => {
                let result = self.run_lifecycle(&id, op);
                match result {
                    Ok(()) => self.emit(BackendEvent::ActionDone { req, id, name, op }),
                    Err(message) => {
                        self.emit(BackendEvent::ActionFailed {
                            req,
                            id,
                            name,
                            op,
                            message,
                        });
                        if self.session.as_ref().is_some_and(|s| !s.is_alive()) {
                            self.lost("the connection stopped answering".into());
                        }
                    }
                }
            }
        }
    }

    pub(super) fn run_lifecycle(&mut self, id: &DomainId, op: LifecycleOp) -> Result<(), String> {
        let conn = usable(self.conn(), self.cfg.readonly, true)?;
        let dom = conn
            .lookup_domain_by_uuid_string(&id.uuid)
            .map_err(|e| e.message().to_string())?;
        domains::run_op(&dom, op).map_err(|e| e.message().to_string())?;
        // Autostart changes raise no lifecycle event; report the new row ourselves.
        if let LifecycleOp::SetAutostart(_) = op
            && let Ok(info) = domains::read_info(self.cfg.host, &dom)
        {
            self.emit(BackendEvent::DomainUpdated(info));
        }
        Ok(())
    }
}
