//! Domain events beyond lifecycle (reboot, device added / removed, balloon, watchdog, I/O
//! error) and network lifecycle events: per-event C callbacks cast to libvirt's generic type.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_uint, c_ulonglong, c_void};
use std::sync::Arc;

use virt::connect::Connect;
use virt::error::Error;
use virt::sys;

use super::domain_identity;

/// What happened, copied out of the callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawDomainEventKind {
    Reboot,
    DeviceAdded {
        alias: String,
    },
    DeviceRemoved {
        alias: String,
    },
    /// The balloon's new size in KiB.
    BalloonChange {
        actual_kib: u64,
    },
    /// `virDomainEventWatchdogAction`.
    Watchdog {
        action: i32,
    },
    /// `virDomainEventIOErrorAction` plus libvirt's reason ("enospc", ...).
    IoError {
        src_path: String,
        alias: String,
        action: i32,
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawDomainEvent {
    pub uuid: String,
    pub name: String,
    pub kind: RawDomainEventKind,
}

/// A network lifecycle event (`virNetworkEventLifecycleType`, detail).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawNetworkEvent {
    pub uuid: String,
    pub name: String,
    pub event: i32,
    pub detail: i32,
}

type DomainFn = Arc<dyn Fn(RawDomainEvent) + Send + Sync>;
type NetworkFn = Box<dyn Fn(RawNetworkEvent) + Send + Sync>;

/// Keeps the extra domain-event registrations alive; deregisters them when dropped.
pub struct DomainEventsSubscription {
    conn: Connect,
    ids: Vec<c_int>,
}

impl Drop for DomainEventsSubscription {
    fn drop(&mut self) {
        for id in &self.ids {
            // SAFETY: conn is live and each id came from a successful registration on it.
            unsafe {
                sys::virConnectDomainEventDeregisterAny(self.conn.as_ptr(), *id);
            }
        }
    }
}

/// Copies a C string libvirt lends to a callback; empty for NULL.
///
/// # Safety
/// `p` must be NULL or a valid NUL-terminated string.
unsafe fn lent_str(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        // SAFETY: per the caller's contract.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

/// Hands one event to the subscriber behind `opaque`, never unwinding into C.
///
/// # Safety
/// `opaque` must be the `Box<DomainFn>` registered with this callback; `dom` valid.
unsafe fn deliver(dom: sys::virDomainPtr, opaque: *mut c_void, kind: RawDomainEventKind) {
    if opaque.is_null() || dom.is_null() {
        return;
    }
    // SAFETY: opaque is alive until free_domain_fn runs after the last callback.
    let f = unsafe { &*(opaque as *const DomainFn) };
    let (uuid, name) = domain_identity(dom);
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        f(RawDomainEvent { uuid, name, kind })
    }));
}

unsafe extern "C" fn reboot_cb(_c: sys::virConnectPtr, dom: sys::virDomainPtr, op: *mut c_void) {
    // SAFETY: libvirt passes the opaque we registered and a valid domain.
    unsafe { deliver(dom, op, RawDomainEventKind::Reboot) }
}

unsafe extern "C" fn device_added_cb(
    _c: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    alias: *const c_char,
    op: *mut c_void,
) {
    // SAFETY: alias is a string libvirt lends for the call; opaque/dom as registered.
    unsafe {
        let alias = lent_str(alias);
        deliver(dom, op, RawDomainEventKind::DeviceAdded { alias })
    }
}

unsafe extern "C" fn device_removed_cb(
    _c: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    alias: *const c_char,
    op: *mut c_void,
) {
    // SAFETY: as in device_added_cb.
    unsafe {
        let alias = lent_str(alias);
        deliver(dom, op, RawDomainEventKind::DeviceRemoved { alias })
    }
}

unsafe extern "C" fn balloon_cb(
    _c: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    actual: c_ulonglong,
    op: *mut c_void,
) {
    // SAFETY: opaque/dom as registered.
    unsafe {
        deliver(
            dom,
            op,
            RawDomainEventKind::BalloonChange { actual_kib: actual },
        )
    }
}

unsafe extern "C" fn watchdog_cb(
    _c: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    action: c_int,
    op: *mut c_void,
) {
    // SAFETY: opaque/dom as registered.
    unsafe { deliver(dom, op, RawDomainEventKind::Watchdog { action }) }
}

unsafe extern "C" fn io_error_cb(
    _c: sys::virConnectPtr,
    dom: sys::virDomainPtr,
    src_path: *const c_char,
    alias: *const c_char,
    action: c_int,
    reason: *const c_char,
    op: *mut c_void,
) {
    // SAFETY: the strings are lent for the call; opaque/dom as registered.
    unsafe {
        let kind = RawDomainEventKind::IoError {
            src_path: lent_str(src_path),
            alias: lent_str(alias),
            action,
            reason: lent_str(reason),
        };
        deliver(dom, op, kind)
    }
}

unsafe extern "C" fn free_domain_fn(opaque: *mut c_void) {
    if !opaque.is_null() {
        // SAFETY: opaque came from Box::into_raw in subscribe_domain_events; libvirt calls
        // this exactly once per registration.
        drop(unsafe { Box::from_raw(opaque as *mut DomainFn) });
    }
}

type Generic = unsafe extern "C" fn(sys::virConnectPtr, sys::virDomainPtr, *mut c_void);
type AliasCb =
    unsafe extern "C" fn(sys::virConnectPtr, sys::virDomainPtr, *const c_char, *mut c_void);
type BalloonCb =
    unsafe extern "C" fn(sys::virConnectPtr, sys::virDomainPtr, c_ulonglong, *mut c_void);
type WatchdogCb = unsafe extern "C" fn(sys::virConnectPtr, sys::virDomainPtr, c_int, *mut c_void);
type IoErrorCb = unsafe extern "C" fn(
    sys::virConnectPtr,
    sys::virDomainPtr,
    *const c_char,
    *const c_char,
    c_int,
    *const c_char,
    *mut c_void,
);

/// The event ids this module registers, each with its callback cast to the generic type.
fn callbacks() -> [(c_uint, Generic); 6] {
    let added: AliasCb = device_added_cb;
    let removed: AliasCb = device_removed_cb;
    let balloon: BalloonCb = balloon_cb;
    let watchdog: WatchdogCb = watchdog_cb;
    let io_error: IoErrorCb = io_error_cb;
    // SAFETY: libvirt's API takes the generic callback type and calls each registration
    // with the signature that belongs to its event id (DEVICE_ADDED / DEVICE_REMOVED: alias;
    // BALLOON_CHANGE: actual; WATCHDOG: action; IO_ERROR_REASON: path, alias, action,
    // reason), which is exactly how each function above is declared; this is the documented
    // VIR_DOMAIN_EVENT_CALLBACK cast. Function pointers all have the same size.
    unsafe {
        [
            (sys::VIR_DOMAIN_EVENT_ID_REBOOT, reboot_cb as Generic),
            (
                sys::VIR_DOMAIN_EVENT_ID_DEVICE_ADDED,
                std::mem::transmute::<AliasCb, Generic>(added),
            ),
            (
                sys::VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
                std::mem::transmute::<AliasCb, Generic>(removed),
            ),
            (
                sys::VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE,
                std::mem::transmute::<BalloonCb, Generic>(balloon),
            ),
            (
                sys::VIR_DOMAIN_EVENT_ID_WATCHDOG,
                std::mem::transmute::<WatchdogCb, Generic>(watchdog),
            ),
            (
                sys::VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON,
                std::mem::transmute::<IoErrorCb, Generic>(io_error),
            ),
        ]
    }
}

/// Subscribes `f` to reboot, device added / removed, balloon change, watchdog and I/O error
/// events of every domain. An id the driver does not support is skipped (the test driver
/// supports them all); `f` runs on libvirt's event-loop thread and must only hand on.
pub fn subscribe_domain_events(
    conn: &Connect,
    f: impl Fn(RawDomainEvent) + Send + Sync + 'static,
) -> Result<DomainEventsSubscription, Error> {
    let shared: DomainFn = Arc::new(f);
    let mut sub = DomainEventsSubscription {
        conn: conn.clone(),
        ids: Vec::new(),
    };
    for (event_id, cb) in callbacks() {
        let opaque = Box::into_raw(Box::new(shared.clone())) as *mut c_void;
        // SAFETY: conn is live; opaque stays valid until libvirt calls free_domain_fn.
        let id = unsafe {
            sys::virConnectDomainEventRegisterAny(
                conn.as_ptr(),
                std::ptr::null_mut(),
                event_id as c_int,
                Some(cb),
                opaque,
                Some(free_domain_fn),
            )
        };
        if id < 0 {
            let err = Error::last_error();
            // SAFETY: registration failed, so libvirt did not take ownership of opaque.
            unsafe { free_domain_fn(opaque) };
            // Dropping `sub` deregisters what was registered so far.
            return Err(err);
        }
        sub.ids.push(id);
    }
    Ok(sub)
}

/// Keeps a network lifecycle subscription alive; deregisters it when dropped.
pub struct NetworkEventsSubscription {
    conn: Connect,
    callback_id: c_int,
}

impl Drop for NetworkEventsSubscription {
    fn drop(&mut self) {
        // SAFETY: conn is live and callback_id came from virConnectNetworkEventRegisterAny.
        unsafe {
            sys::virConnectNetworkEventDeregisterAny(self.conn.as_ptr(), self.callback_id);
        }
    }
}

unsafe extern "C" fn network_lifecycle_cb(
    _c: sys::virConnectPtr,
    net: sys::virNetworkPtr,
    event: c_int,
    detail: c_int,
    opaque: *mut c_void,
) {
    if opaque.is_null() || net.is_null() {
        return;
    }
    // SAFETY: opaque is the Box<NetworkFn> leaked in subscribe_network_events.
    let f = unsafe { &*(opaque as *const NetworkFn) };
    let mut buf = [0 as c_char; sys::VIR_UUID_STRING_BUFLEN as usize];
    // SAFETY: net is valid during the callback; buf has VIR_UUID_STRING_BUFLEN bytes; the
    // name is owned by the network object and copied at once.
    let (uuid, name) = unsafe {
        let uuid = if sys::virNetworkGetUUIDString(net, buf.as_mut_ptr()) == 0 {
            CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned()
        } else {
            String::new()
        };
        (uuid, lent_str(sys::virNetworkGetName(net)))
    };
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        f(RawNetworkEvent {
            uuid,
            name,
            event,
            detail,
        })
    }));
}

unsafe extern "C" fn free_network_fn(opaque: *mut c_void) {
    if !opaque.is_null() {
        // SAFETY: opaque came from Box::into_raw in subscribe_network_events; freed once.
        drop(unsafe { Box::from_raw(opaque as *mut NetworkFn) });
    }
}

/// Subscribes `f` to lifecycle events (defined, undefined, started, stopped) of every
/// network on `conn`.
pub fn subscribe_network_events(
    conn: &Connect,
    f: impl Fn(RawNetworkEvent) + Send + Sync + 'static,
) -> Result<NetworkEventsSubscription, Error> {
    let boxed: Box<NetworkFn> = Box::new(Box::new(f));
    let opaque = Box::into_raw(boxed) as *mut c_void;
    type NetLifecycleCb =
        unsafe extern "C" fn(sys::virConnectPtr, sys::virNetworkPtr, c_int, c_int, *mut c_void);
    type NetGeneric = unsafe extern "C" fn(sys::virConnectPtr, sys::virNetworkPtr, *mut c_void);
    let specific: NetLifecycleCb = network_lifecycle_cb;
    // SAFETY: as for domain events: libvirt calls the generic network callback with the
    // VIR_NETWORK_EVENT_ID_LIFECYCLE signature (conn, net, event, detail, opaque)
    // (VIR_NETWORK_EVENT_CALLBACK in libvirt's headers does the same cast).
    let generic = unsafe { std::mem::transmute::<NetLifecycleCb, NetGeneric>(specific) };
    // SAFETY: conn is live; opaque stays valid until libvirt calls free_network_fn.
    let id = unsafe {
        sys::virConnectNetworkEventRegisterAny(
            conn.as_ptr(),
            std::ptr::null_mut(),
            sys::VIR_NETWORK_EVENT_ID_LIFECYCLE as c_int,
            Some(generic),
            opaque,
            Some(free_network_fn),
        )
    };
    if id < 0 {
        let err = Error::last_error();
        // SAFETY: registration failed, so libvirt did not take ownership of opaque.
        unsafe { free_network_fn(opaque) };
        return Err(err);
    }
    Ok(NetworkEventsSubscription {
        conn: conn.clone(),
        callback_id: id,
    })
}
