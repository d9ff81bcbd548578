//! DHCP leases of a network and a domain's interface addresses: both return libvirt-allocated
//! arrays of structs that virt 0.5 either lacks or leaks.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};

use virt::domain::Domain;
use virt::error::Error;
use virt::network::Network;
use virt::sys;

/// One DHCP lease as libvirt reports it (`virsh net-dhcp-leases`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawLease {
    /// The network's bridge the lease was given on.
    pub iface: String,
    /// Seconds since the epoch; 0 for an infinite lease.
    pub expiry: i64,
    /// true for IPv6.
    pub ipv6: bool,
    pub mac: String,
    pub ip: String,
    pub prefix: u32,
    pub hostname: Option<String>,
    pub client_id: Option<String>,
}

/// Copies a C string libvirt owns; `None` for NULL.
///
/// # Safety
/// `p` must be NULL or a valid NUL-terminated string.
unsafe fn opt_string(p: *const c_char) -> Option<String> {
    if p.is_null() {
        None
    } else {
        // SAFETY: non-null and NUL-terminated per the caller's contract.
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }
}

/// `virNetworkGetDHCPLeases` for every MAC: each lease is freed with
/// `virNetworkDHCPLeaseFree`, then the array itself with `free`.
pub fn dhcp_leases(net: &Network) -> Result<Vec<RawLease>, Error> {
    let mut leases: *mut sys::virNetworkDHCPLeasePtr = std::ptr::null_mut();
    // SAFETY: net is a live network handle; libvirt allocates the array into `leases`.
    let n = unsafe { sys::virNetworkGetDHCPLeases(net.as_ptr(), std::ptr::null(), &mut leases, 0) };
    if n < 0 {
        return Err(Error::last_error());
    }
    let n = usize::try_from(n).unwrap_or(0);
    let mut out = Vec::with_capacity(n);
    if leases.is_null() {
        return Ok(out);
    }
    for i in 0..n {
        // SAFETY: the array holds n lease pointers.
        let lease = unsafe { *leases.add(i) };
        if lease.is_null() {
            continue;
        }
        // SAFETY: lease points to a valid struct whose strings live until it is freed below.
        let raw = unsafe {
            let l = &*lease;
            RawLease {
                iface: opt_string(l.iface).unwrap_or_default(),
                expiry: l.expirytime,
                ipv6: l.type_ == sys::VIR_IP_ADDR_TYPE_IPV6 as c_int,
                mac: opt_string(l.mac).unwrap_or_default(),
                ip: opt_string(l.ipaddr).unwrap_or_default(),
                prefix: l.prefix,
                hostname: opt_string(l.hostname),
                client_id: opt_string(l.clientid),
            }
        };
        out.push(raw);
        // SAFETY: each lease is freed exactly once, after its fields were copied.
        unsafe { sys::virNetworkDHCPLeaseFree(lease) };
    }
    // SAFETY: the array came from libvirt's allocator (malloc) and is freed once.
    unsafe { libc::free(leases as *mut c_void) };
    Ok(out)
}

/// One guest interface with the addresses libvirt knows for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawIfaceAddrs {
    /// The host-side device (lease source) or the guest's name for it (agent source).
    pub name: String,
    pub mac: Option<String>,
    /// (address, prefix, ipv6)
    pub addrs: Vec<(String, u32, bool)>,
}

/// `virDomainInterfaceAddresses` from `source` (VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_*), each
/// interface freed with `virDomainInterfaceFree` (virt 0.5's wrapper leaks them).
pub fn interface_addresses(dom: &Domain, source: u32) -> Result<Vec<RawIfaceAddrs>, Error> {
    let mut ifaces: *mut sys::virDomainInterfacePtr = std::ptr::null_mut();
    // SAFETY: dom is a live handle; libvirt allocates the array into `ifaces`.
    let n = unsafe { sys::virDomainInterfaceAddresses(dom.as_ptr(), &mut ifaces, source, 0) };
    if n < 0 {
        return Err(Error::last_error());
    }
    let n = usize::try_from(n).unwrap_or(0);
    let mut out = Vec::with_capacity(n);
    if ifaces.is_null() {
        return Ok(out);
    }
    for i in 0..n {
        // SAFETY: the array holds n interface pointers.
        let iface = unsafe { *ifaces.add(i) };
        if iface.is_null() {
            continue;
        }
        // SAFETY: iface is valid with `naddrs` entries at `addrs`, alive until freed below.
        let raw = unsafe {
            let f = &*iface;
            let mut addrs = Vec::new();
            if !f.addrs.is_null() {
                for a in std::slice::from_raw_parts(f.addrs, f.naddrs as usize) {
                    if let Some(addr) = opt_string(a.addr) {
                        addrs.push((
                            addr,
                            a.prefix,
                            a.type_ == sys::VIR_IP_ADDR_TYPE_IPV6 as c_int,
                        ));
                    }
                }
            }
            RawIfaceAddrs {
                name: opt_string(f.name).unwrap_or_default(),
                mac: opt_string(f.hwaddr),
                addrs,
            }
        };
        out.push(raw);
        // SAFETY: each interface is freed exactly once, after it was copied.
        unsafe { sys::virDomainInterfaceFree(iface) };
    }
    // SAFETY: the array came from libvirt's allocator and is freed once.
    unsafe { libc::free(ifaces as *mut c_void) };
    Ok(out)
}

/// `virDomainSendKey` in the linux codeset.
pub fn send_key(dom: &Domain, holdtime_ms: u32, codes: &[u32]) -> Result<(), Error> {
    let mut codes = codes.to_vec();
    let n = c_int::try_from(codes.len()).unwrap_or(c_int::MAX);
    // SAFETY: dom is live; `codes` holds n valid keycodes and outlives the call.
    let rc = unsafe {
        sys::virDomainSendKey(
            dom.as_ptr(),
            sys::VIR_KEYCODE_SET_LINUX,
            holdtime_ms,
            codes.as_mut_ptr(),
            n,
            0,
        )
    };
    if rc < 0 {
        return Err(Error::last_error());
    }
    Ok(())
}
