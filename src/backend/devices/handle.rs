//! Runs `DeviceCmd`s on the worker thread and reports `DeviceEvent`s.

use virt::connect::Connect;
use virt::domain::Domain;

use super::{DeviceCmd, DeviceError, DeviceEvent, OpOutcome, hotplug, parse, resources};
use crate::backend::ffi::leases;
use crate::backend::message::BackendEvent;
use crate::backend::model::{DomainId, HostId};
use crate::backend::worker::EventSink;

fn lookup(conn: Option<&Connect>, id: &DomainId) -> Result<Domain, DeviceError> {
    let conn = conn.ok_or(DeviceError::NotConnected)?;
    Ok(conn.lookup_domain_by_uuid_string(&id.uuid)?)
}

fn devices(conn: Option<&Connect>, id: &DomainId) -> Result<parse::DomainDevices, DeviceError> {
    let dom = lookup(conn, id)?;
    let xml = dom.xml_desc(0)?;
    parse::parse(&xml).map_err(DeviceError::Libvirt)
}

pub(crate) fn handle(
    conn: Option<&Connect>,
    host: HostId,
    readonly: bool,
    sink: &EventSink,
    cmd: DeviceCmd,
) {
    let emit = |ev: DeviceEvent| sink(BackendEvent::Device(host, Box::new(ev)));
    let writable = || {
        if readonly {
            Err(DeviceError::ReadOnly)
        } else {
            Ok(())
        }
    };
    match cmd {
        DeviceCmd::List { req, id } => {
            let result = devices(conn, &id);
            emit(DeviceEvent::Devices { req, id, result });
        }
        DeviceCmd::Limits { req, id } => {
            let result = lookup(conn, &id).and_then(|dom| {
                resources::read_limits(conn.ok_or(DeviceError::NotConnected)?, &dom)
            });
            emit(DeviceEvent::Limits { req, id, result });
        }
        DeviceCmd::Run {
            req,
            id,
            op,
            affect,
            dry_run,
        } => {
            let outcome = match writable().and_then(|()| lookup(conn, &id)) {
                Ok(dom) => hotplug::run_op(&dom, &op, affect, dry_run),
                Err(e) if dry_run && e == DeviceError::ReadOnly => match lookup(conn, &id) {
                    Ok(dom) => hotplug::run_op(&dom, &op, affect, true),
                    Err(e) => failed(affect, e),
                },
                Err(e) => failed(affect, e),
            };
            emit(DeviceEvent::Ran {
                req,
                id,
                op,
                dry_run,
                outcome,
            });
        }
        DeviceCmd::SendKey {
            req,
            id,
            codes,
            hold_ms,
        } => {
            let result = writable()
                .and_then(|()| lookup(conn, &id))
                .and_then(|dom| leases::send_key(&dom, hold_ms, &codes).map_err(DeviceError::from));
            emit(DeviceEvent::Done {
                req,
                id,
                what: "send-key".into(),
                result,
            });
        }
        DeviceCmd::SetMemory {
            req,
            id,
            kib,
            maximum,
            affect,
        } => {
            let result = writable().and_then(|()| lookup(conn, &id)).and_then(|dom| {
                let c = conn.ok_or(DeviceError::NotConnected)?;
                resources::set_memory(c, &dom, kib, maximum, affect).map(|_| ())
            });
            let what = if maximum { "setmaxmem" } else { "setmem" };
            emit(DeviceEvent::Done {
                req,
                id,
                what: what.into(),
                result,
            });
        }
        DeviceCmd::SetVcpus {
            req,
            id,
            count,
            maximum,
            affect,
        } => {
            let result = writable().and_then(|()| lookup(conn, &id)).and_then(|dom| {
                let c = conn.ok_or(DeviceError::NotConnected)?;
                resources::set_vcpus(c, &dom, count, maximum, affect).map(|_| ())
            });
            emit(DeviceEvent::Done {
                req,
                id,
                what: "setvcpus".into(),
                result,
            });
        }
    }
}

fn failed(affect: hotplug::Affect, e: DeviceError) -> OpOutcome {
    OpOutcome {
        xml: String::new(),
        affect,
        result: Err(e),
    }
}
