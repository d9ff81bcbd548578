//! Number formatting shared by panes.

/// KiB as a compact size: `512M`, `1.5G`, `2.0T`.
pub fn mem(kib: u64) -> String {
    const MIB: u64 = 1024;
    const GIB: u64 = 1024 * 1024;
    const TIB: u64 = 1024 * 1024 * 1024;
    if kib >= TIB {
        format!("{:.1}T", kib as f64 / TIB as f64)
    } else if kib >= GIB {
        format!("{:.1}G", kib as f64 / GIB as f64)
    } else {
        format!("{}M", kib / MIB)
    }
}

/// Current / maximum memory, e.g. `1.5G/2.0G`.
pub fn mem_pair(cur: u64, max: u64) -> String {
    format!("{}/{}", mem(cur), mem(max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_reads_like_a_sysadmin_writes_it() {
        assert_eq!(mem(524_288), "512M");
        assert_eq!(mem(1_572_864), "1.5G");
        assert_eq!(mem(2 * 1024 * 1024 * 1024), "2.0T");
        assert_eq!(mem_pair(1_048_576, 2_097_152), "1.0G/2.0G");
    }
}
