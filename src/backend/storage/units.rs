//! Sizes the way virsh reads them: `64M`, `1G`, `10GB`, `1.5GiB`, plain bytes.

/// Parses a size; a bare number is bytes, K/M/G/T/P/E and KiB… are powers of 1024,
/// KB/MB/GB… powers of 1000 (virsh's rules), fractions allowed (`1.5G`).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    if num.is_empty() {
        return Err(format!("{text:?} is not a size (try 64M, 1G, 1.5GiB)"));
    }
    let unit = unit.trim();
    let lower = unit.to_ascii_lowercase();
    let (power, base): (u32, u64) = match lower.as_str() {
        "" | "b" | "byte" | "bytes" => (0, 1024),
        _ => {
            let exp = match lower.chars().next() {
                Some('k') => 1,
                Some('m') => 2,
                Some('g') => 3,
                Some('t') => 4,
                Some('p') => 5,
                Some('e') => 6,
                _ => return Err(format!("unknown unit {unit:?} in {text:?}")),
            };
            match &lower[1..] {
                "" | "ib" => (exp, 1024),
                "b" => (exp, 1000),
                _ => return Err(format!("unknown unit {unit:?} in {text:?}")),
            }
        }
    };
    let scale = base
        .checked_pow(power)
        .ok_or_else(|| format!("{text:?} is too large"))?;
    let too_large = || format!("{text:?} is too large");
    if let Ok(n) = num.parse::<u64>() {
        return n.checked_mul(scale).ok_or_else(too_large);
    }
    let f: f64 = num
        .parse()
        .map_err(|_| format!("{text:?} is not a size (try 64M, 1G, 1.5GiB)"))?;
    let bytes = (f * scale as f64).round();
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(too_large());
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_follow_virsh_units() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("10GB"), Ok(10_000_000_000));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size(" 2 k "), Ok(2048));
        assert_eq!(parse_size("512b"), Ok(512));
    }

    #[test]
    fn nonsense_is_refused_with_a_hint() {
        assert!(parse_size("").is_err());
        assert!(parse_size("G").is_err());
        assert!(parse_size("12X").is_err_and(|e| e.contains("unknown unit")));
        assert!(parse_size("1.2.3M").is_err());
        assert!(parse_size("99999999999E").is_err_and(|e| e.contains("too large")));
    }
}
