//! IP addresses and CIDR ranges.

use super::*;
use crate::config::cidr::{format_addr, host_mask, Network};

pub(super) fn cidrsubnet(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let net = Network::parse(str_arg(args, 0))?;
    let newbits = whole(num_arg(args, 1), "newbits")?;
    let netnum = whole(num_arg(args, 2), "netnum")?;
    if newbits < 0 {
        return Err(format!("newbits must not be negative, got {newbits}"));
    }
    let new_prefix = net.prefix as i64 + newbits;
    if new_prefix > net.bits as i64 {
        return Err(format!(
            "insufficient address space to extend prefix of {} by {newbits}",
            net.prefix
        ));
    }
    let fits = netnum >= 0 && (newbits >= 128 || (netnum as u128) >> newbits == 0);
    if !fits {
        return Err(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
        ));
    }
    let shift = net.bits - new_prefix as u32;
    let addr = net.addr | (netnum as u128).checked_shl(shift).unwrap_or(0);
    Ok(Value::String(format!(
        "{}/{new_prefix}",
        format_addr(addr, net.bits)
    )))
}

pub(super) fn cidrhost(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let net = Network::parse(str_arg(args, 0))?;
    let hostnum = whole(num_arg(args, 1), "hostnum")?;
    let max = host_mask(net.bits, net.prefix);
    // Negative numbers count back from the last address: -1 is the last one.
    let host = if hostnum >= 0 {
        Some(hostnum as u128).filter(|h| *h <= max)
    } else {
        max.checked_sub((-(hostnum + 1)) as u128)
    };
    let host = host.ok_or_else(|| {
        format!(
            "prefix of {} does not accommodate a host numbered {hostnum}",
            net.prefix
        )
    })?;
    Ok(Value::String(format_addr(net.addr | host, net.bits)))
}

pub(super) fn cidrnetmask(args: &[Value], _: &FnContext) -> Result<Value, String> {
    let text = str_arg(args, 0);
    let net = Network::parse(text)?;
    if net.bits == 128 {
        return Err(format!("IPv6 addresses cannot have a netmask: {text}"));
    }
    let mask = !host_mask(32, net.prefix) & 0xffff_ffff;
    Ok(Value::String(format_addr(mask, 32)))
}
