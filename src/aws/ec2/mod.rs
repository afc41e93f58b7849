//! EC2: networking, instances and volumes, and the EC2-backed data sources.

use super::Clients;
use crate::provider::{DataSource, ResourceType};
use std::sync::Arc;

mod describe;
mod lookup;
mod reread;
mod shared;

// network: modules
pub mod egress_only_internet_gateway;
pub mod eip;
pub mod internet_gateway;
pub mod nat_gateway;
pub mod network_interface;
pub mod route;
pub mod route_table;
pub mod route_table_association;
mod routes;
pub mod security_group;
mod security_group_grants;
pub mod security_group_rule;
pub mod subnet;
pub mod vpc;
pub mod vpc_endpoint;
pub mod vpc_ipv4_cidr_block_association;
pub mod vpc_security_group_egress_rule;
pub mod vpc_security_group_ingress_rule;
mod vpc_security_group_rule;

// compute: modules
pub mod ebs_volume;
pub mod instance;
pub mod key_pair;
pub mod launch_template;
pub mod volume_attachment;

// data sources: modules
pub mod ami;
pub mod availability_zones;
pub mod subnet_data;
pub mod vpc_data;

pub fn resources(clients: &Clients) -> Vec<Arc<dyn ResourceType>> {
    let _ = clients;
    vec![
        // network: registrations
        Arc::new(vpc::Vpc::new(clients)),
        Arc::new(subnet::Subnet::new(clients)),
        Arc::new(security_group::SecurityGroup::new(clients)),
        Arc::new(security_group_rule::SecurityGroupRuleSet::new(clients)),
        Arc::new(vpc_security_group_ingress_rule::new(clients)),
        Arc::new(vpc_security_group_egress_rule::new(clients)),
        Arc::new(eip::Eip::new(clients)),
        Arc::new(internet_gateway::InternetGateway::new(clients)),
        Arc::new(egress_only_internet_gateway::EgressOnlyInternetGateway::new(clients)),
        Arc::new(nat_gateway::NatGateway::new(clients)),
        Arc::new(network_interface::NetworkInterface::new(clients)),
        Arc::new(vpc_endpoint::VpcEndpoint::new(clients)),
        Arc::new(route_table::RouteTable::new(clients)),
        Arc::new(route::Route::new(clients)),
        Arc::new(route_table_association::RouteTableAssociation::new(clients)),
        Arc::new(vpc_ipv4_cidr_block_association::VpcIpv4CidrBlockAssociation::new(clients)),
        // compute: registrations
        Arc::new(instance::Instance::new(clients)),
        Arc::new(ebs_volume::EbsVolume::new(clients)),
        Arc::new(key_pair::KeyPair::new(clients)),
        Arc::new(launch_template::LaunchTemplateType::new(clients)),
        Arc::new(volume_attachment::VolumeAttachment::new(clients)),
    ]
}

pub fn data_sources(clients: &Clients) -> Vec<Arc<dyn DataSource>> {
    let _ = clients;
    vec![
        // data sources: registrations
        Arc::new(ami::Ami::new(clients)),
        Arc::new(availability_zones::AvailabilityZones::new(clients)),
        Arc::new(vpc_data::VpcData::new(clients)),
        Arc::new(subnet_data::Subnets::new(clients)),
        Arc::new(subnet_data::SubnetData::new(clients)),
    ]
}
