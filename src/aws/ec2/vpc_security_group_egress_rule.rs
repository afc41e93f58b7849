//! aws_vpc_security_group_egress_rule: one egress rule of a security group, managed on its own.

use super::vpc_security_group_rule::{Direction, Rules, ATTRIBUTES};
use crate::aws::Clients;
use crate::provider::Schema;

pub static SCHEMA: Schema = Schema {
    type_name: "aws_vpc_security_group_egress_rule",
    attributes: ATTRIBUTES,
    blocks: &[],
};

pub fn new(clients: &Clients) -> Rules {
    Rules::new(clients, &SCHEMA, Direction::Egress)
}
