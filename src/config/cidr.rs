//! Networks: IPv4 and IPv6 prefixes as u128 with an address width of 32 or 128
//! bits, for the `cidr*` functions and for validating CIDR arguments.
//!
//! AWS canonicalises a CIDR whose host bits are set (`10.1.2.3/0` is the whole
//! internet), so such a value is refused where it is configured, and policies see
//! every CIDR in its canonical form.

use std::net::{Ipv4Addr, Ipv6Addr};

pub struct Network {
    /// The network address, host bits cleared.
    pub addr: u128,
    pub prefix: u32,
    pub bits: u32,
    /// The address was written with host bits set (`10.1.2.3/24`).
    pub had_host_bits: bool,
}

impl Network {
    pub fn parse(text: &str) -> Result<Network, String> {
        let invalid = || format!("invalid CIDR expression: invalid CIDR address: {text}");
        let (ip, len) = text.split_once('/').ok_or_else(invalid)?;
        if len.is_empty() || len.len() > 3 || !len.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let prefix: u32 = len.parse().map_err(|_| invalid())?;
        let (addr, bits) = if ip.contains(':') {
            (
                u128::from(ip.parse::<Ipv6Addr>().map_err(|_| invalid())?),
                128,
            )
        } else {
            (u128::from(parse_ipv4(ip).ok_or_else(invalid)?), 32)
        };
        if prefix > bits {
            return Err(invalid());
        }
        let mask = host_mask(bits, prefix);
        Ok(Network {
            addr: addr & !mask,
            prefix,
            bits,
            had_host_bits: addr & mask != 0,
        })
    }
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", format_addr(self.addr, self.bits), self.prefix)
    }
}

/// Terraform's check of a CIDR argument: it parses, and it is a network address
/// (no host bits set). The error is a message and a help line.
pub fn check_network(text: &str) -> Result<(), (String, String)> {
    match Network::parse(text) {
        Err(e) => Err((
            e,
            "write a network as ADDRESS/PREFIX, e.g. 10.0.0.0/16".into(),
        )),
        Ok(net) if net.had_host_bits => Err((
            format!("{text:?} is not a valid network CIDR: host bits are set"),
            format!("did you mean \"{net}\"? AWS would store that network"),
        )),
        Ok(_) => Ok(()),
    }
}

/// The canonical form of a CIDR (`10.1.2.3/0` → `0.0.0.0/0`), or None when it is
/// not one.
pub fn canonical(text: &str) -> Option<String> {
    Network::parse(text).ok().map(|n| n.to_string())
}

/// Dotted quad; like Terraform (Go's old parser) leading zeros are read as decimal.
fn parse_ipv4(text: &str) -> Option<u32> {
    let mut addr = 0u32;
    let mut parts = 0;
    for part in text.split('.') {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let octet: u32 = part.parse().ok().filter(|o| *o <= 255)?;
        addr = (addr << 8) | octet;
        parts += 1;
    }
    (parts == 4).then_some(addr)
}

/// Ones in the host part: 2^(bits - prefix) - 1.
pub fn host_mask(bits: u32, prefix: u32) -> u128 {
    let all = if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    all.checked_shr(prefix).unwrap_or(0)
}

pub fn format_addr(addr: u128, bits: u32) -> String {
    if bits == 32 {
        Ipv4Addr::from(addr as u32).to_string()
    } else {
        Ipv6Addr::from(addr).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_bits_are_refused_with_the_canonical_form() {
        for (written, canonical) in [
            ("10.1.2.3/0", "0.0.0.0/0"),
            ("192.168.1.5/24", "192.168.1.0/24"),
            ("2001:db8::1/32", "2001:db8::/32"),
            ("::1/0", "::/0"),
        ] {
            let (message, help) = check_network(written).unwrap_err();
            assert_eq!(
                message,
                format!("{written:?} is not a valid network CIDR: host bits are set")
            );
            assert_eq!(
                help,
                format!("did you mean {canonical:?}? AWS would store that network")
            );
            assert_eq!(super::canonical(written).as_deref(), Some(canonical));
        }
    }

    #[test]
    fn network_addresses_pass_and_garbage_is_not_a_cidr() {
        for ok in [
            "0.0.0.0/0",
            "10.0.0.0/16",
            "::/0",
            "2001:db8::/32",
            "10.0.0.1/32",
        ] {
            assert_eq!(check_network(ok), Ok(()), "{ok}");
        }
        // Like Terraform, only host bits make a network invalid, not its spelling.
        assert_eq!(check_network("2001:DB8::/32"), Ok(()));
        for bad in ["10.0.0.0", "10.0.0.0/33", "x/8", ""] {
            assert!(check_network(bad).is_err(), "{bad}");
            assert_eq!(canonical(bad), None);
        }
    }
}
