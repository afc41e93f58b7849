//! The dependency graph of a stack's blocks (variables, locals, resources, data
//! sources, outputs), built from the references in their expressions and from
//! `depends_on`. A cycle is an error that names every address on it and where each
//! reference is written.

pub mod walk;

use crate::addr::{ModulePath, ResourceAddr};
use crate::config::refs::{self, Ref};
use crate::config::Stack;
use crate::diag::{did_you_mean, Diag, Diags, SourceFile, Span};
use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    /// A variable of the root stack or of a module instance.
    Var(ModulePath, String),
    Local(ModulePath, String),
    Resource(ResourceAddr),
    /// An output of the root stack, or of a module instance (what its caller reads).
    Output(ModulePath, String),
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (module, what, name) = match self {
            Node::Resource(a) => return write!(f, "{a}"),
            Node::Var(m, n) => (m, "var", n),
            Node::Local(m, n) => (m, "local", n),
            Node::Output(m, n) => (m, "output", n),
        };
        if !module.is_root() {
            write!(f, "{module}.")?;
        }
        write!(f, "{what}.{name}")
    }
}

/// Edges run from a dependency to what depends on it; the weight is where the
/// reference is written.
pub struct ConfigGraph {
    pub graph: DiGraph<Node, Span>,
    index: HashMap<Node, NodeIndex>,
}

impl ConfigGraph {
    pub fn build(stack: &Stack) -> Result<ConfigGraph, Diags> {
        let mut b = Builder::edges(stack);
        b.cycles(false);
        if b.errors.is_empty() {
            Ok(ConfigGraph {
                graph: b.graph,
                index: b.index,
            })
        } else {
            Err(Diags(b.errors))
        }
    }

    /// The graph `recon check` walks: a reference to something undeclared adds no
    /// edge (evaluation notes it where it is read), and a cycle's references are
    /// dropped with a note, so its blocks are evaluated with what they read from
    /// each other unknown.
    pub fn build_tolerant(stack: &Stack) -> (ConfigGraph, Vec<Diag>) {
        let mut b = Builder::edges(stack);
        b.errors.clear();
        b.cycles(true);
        let graph = ConfigGraph {
            graph: b.graph,
            index: b.index,
        };
        (graph, b.errors)
    }

    /// Every block, dependencies first.
    pub fn order(&self) -> Vec<Node> {
        toposort(&self.graph, None)
            .map(|order| order.into_iter().map(|i| self.graph[i].clone()).collect())
            .unwrap_or_default()
    }

    /// The resources a block depends on, directly or through locals and variables.
    pub fn resource_dependencies(&self, node: &Node) -> BTreeSet<ResourceAddr> {
        let mut out = BTreeSet::new();
        let Some(&start) = self.index.get(node) else {
            return out;
        };
        let mut stack = vec![start];
        let mut seen = BTreeSet::new();
        while let Some(i) = stack.pop() {
            for dep in self.graph.neighbors_directed(i, Direction::Incoming) {
                if !seen.insert(dep) {
                    continue;
                }
                match &self.graph[dep] {
                    Node::Resource(addr) => {
                        out.insert(addr.clone());
                    }
                    _ => stack.push(dep),
                }
            }
        }
        out
    }

    /// The resource graph in Graphviz DOT, for `recon graph`.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph recon {\n  rankdir = \"RL\";\n  node [shape = box];\n");
        let resources: Vec<&ResourceAddr> = self
            .graph
            .node_weights()
            .filter_map(|n| match n {
                Node::Resource(a) => Some(a),
                _ => None,
            })
            .collect();
        for addr in &resources {
            out.push_str(&format!("  \"{addr}\";\n"));
        }
        for addr in resources {
            for dep in self.resource_dependencies(&Node::Resource(addr.clone())) {
                out.push_str(&format!("  \"{addr}\" -> \"{dep}\";\n"));
            }
        }
        out.push_str("}\n");
        out
    }
}

struct Builder<'a> {
    stack: &'a Stack,
    graph: DiGraph<Node, Span>,
    index: HashMap<Node, NodeIndex>,
    errors: Vec<Diag>,
}

impl<'a> Builder<'a> {
    /// Every block, with an edge for each reference and `depends_on` entry; a
    /// reference to something undeclared is an error instead.
    fn edges(stack: &'a Stack) -> Builder<'a> {
        let mut b = Builder {
            stack,
            graph: DiGraph::new(),
            index: HashMap::new(),
            errors: Vec::new(),
        };
        let root = ModulePath::root();
        b.module_blocks(&root, stack);
        for (path, instance) in &stack.instances {
            b.module_blocks(path, &instance.config);
            // A module's variables depend on what the call's arguments refer to.
            let caller = path.parent();
            let call = &instance.call;
            let (has_count, has_each) = (call.count.is_some(), call.for_each.is_some());
            for (name, expr) in &call.arguments {
                let me = b.node(Node::Var(path.clone(), name.clone()));
                let found = refs::references(&expr.expr);
                b.refs(&caller, me, &expr.file, found, has_count, has_each);
            }
        }
        for (addr, block) in &stack.resources {
            let me = b.node(Node::Resource(addr.clone()));
            let module = &addr.module;
            let has_count = block.count.is_some();
            let has_each = block.for_each.is_some();
            for meta in [&block.count, &block.for_each].into_iter().flatten() {
                b.refs(
                    module,
                    me,
                    &meta.file,
                    refs::references(&meta.expr),
                    false,
                    false,
                );
            }
            b.refs(
                module,
                me,
                &block.body.file,
                refs::body_references(&block.body.body),
                has_count,
                has_each,
            );
            for (dep, span) in &block.depends_on {
                // Expanded module blocks hold addresses from the root already.
                b.edge_to_resource(me, dep, span);
            }
        }
        b
    }

    /// The variables, locals and outputs `config` declares, in module instance `path`.
    fn module_blocks(&mut self, path: &ModulePath, config: &Stack) {
        for name in config.variables.keys() {
            self.node(Node::Var(path.clone(), name.clone()));
        }
        for (name, local) in &config.locals {
            let me = self.node(Node::Local(path.clone(), name.clone()));
            let found = refs::references(&local.expr.expr);
            self.refs(path, me, &local.expr.file, found, false, false);
        }
        for (name, output) in &config.outputs {
            let me = self.node(Node::Output(path.clone(), name.clone()));
            let found = refs::references(&output.value.expr);
            self.refs(path, me, &output.value.file, found, false, false);
            for (dep, span) in &output.depends_on {
                let dep = crate::config::modules::under(path, dep);
                self.edge_to_resource(me, &dep, span);
            }
        }
    }

    fn node(&mut self, node: Node) -> NodeIndex {
        if let Some(&i) = self.index.get(&node) {
            return i;
        }
        let i = self.graph.add_node(node.clone());
        self.index.insert(node, i);
        i
    }

    /// Edges for the references `found` of a block in module instance `module`.
    fn refs(
        &mut self,
        module: &ModulePath,
        me: NodeIndex,
        file: &Arc<SourceFile>,
        found: Vec<(Ref, Range<usize>)>,
        has_count: bool,
        has_each: bool,
    ) {
        let config = self.stack.config_at(module);
        for (reference, range) in found {
            let span = Span::new(file, Some(range));
            match reference {
                Ref::Var(name) => {
                    let known = config.variables.keys();
                    self.edge_to_named(me, Node::Var(module.clone(), name.clone()), &span, "variable", "var", &name, known)
                }
                Ref::Local(name) => {
                    let known = config.locals.keys();
                    self.edge_to_named(me, Node::Local(module.clone(), name.clone()), &span, "local value", "local", &name, known)
                }
                Ref::Resource(addr) => self.edge_to_resource(me, &addr.in_module(module), &span),
                Ref::CountIndex if !has_count => self.errors.push(
                    Diag::at(&span, "count.index used where count is not set", "no count here")
                        .with_help("count.index is available only inside a resource, data or module block that sets count"),
                ),
                Ref::Each if !has_each => self.errors.push(
                    Diag::at(&span, "each.key / each.value used where for_each is not set", "no for_each here")
                        .with_help("each is available only inside a resource, data or module block that sets for_each"),
                ),
                Ref::Invalid { text, why } => self.errors.push(
                    Diag::at(&span, format!("invalid reference \"{text}\": {why}"), "here")
                        .with_help("references look like var.NAME, local.NAME, TYPE.NAME.ATTRIBUTE, data.TYPE.NAME.ATTRIBUTE or module.NAME.OUTPUT"),
                ),
                Ref::Module(name, _) if !config.modules.contains_key(&name) => {
                    let names = config.modules.keys().map(String::as_str);
                    let text = format!("module.{name}");
                    self.errors.push(undeclared(&span, "module", &text, &name, names, |s| format!("module.{s}")));
                }
                Ref::Module(name, output) => self.edge_to_module(module, me, &name, output.as_deref(), &span),
                Ref::CountIndex | Ref::Each | Ref::Path | Ref::SelfRef => {}
            }
        }
    }

    /// Edges from the outputs of every instance of call `name` in `module` (only
    /// output `output` when the reference names one): a module is read through
    /// its outputs, nothing else.
    fn edge_to_module(
        &mut self,
        module: &ModulePath,
        me: NodeIndex,
        name: &str,
        output: Option<&str>,
        span: &Span,
    ) {
        let instances: Vec<(&ModulePath, &Stack)> = self
            .stack
            .instances
            .iter()
            .filter(|(p, _)| p.parent() == *module && p.last().is_some_and(|s| s.name == name))
            .map(|(p, i)| (p, i.config.as_ref()))
            .collect();
        for (path, config) in instances {
            let names: Vec<String> = match output {
                Some(o) if config.outputs.contains_key(o) => vec![o.to_string()],
                Some(o) => {
                    let text = format!("module.{name}.{o}");
                    let names = config.outputs.keys().map(String::as_str);
                    self.errors
                        .push(undeclared(span, "output", &text, o, names, |s| {
                            format!("module.{name}.{s}")
                        }));
                    return;
                }
                None => config.outputs.keys().cloned().collect(),
            };
            for out in names {
                let dep = self.node(Node::Output(path.clone(), out));
                self.graph.add_edge(dep, me, span.clone());
            }
        }
    }

    /// An edge from a variable or local, or an error if it is not declared.
    #[allow(clippy::too_many_arguments)]
    fn edge_to_named<'k>(
        &mut self,
        me: NodeIndex,
        node: Node,
        span: &Span,
        what: &str,
        prefix: &str,
        name: &str,
        known: impl Iterator<Item = &'k String>,
    ) {
        let names: Vec<&str> = known.map(String::as_str).collect();
        if names.contains(&name) {
            let dep = self.node(node);
            self.graph.add_edge(dep, me, span.clone());
        } else {
            let text = format!("{prefix}.{name}");
            self.errors.push(undeclared(
                span,
                what,
                &text,
                name,
                names.into_iter(),
                |s| format!("{prefix}.{s}"),
            ));
        }
    }

    fn edge_to_resource(&mut self, me: NodeIndex, addr: &ResourceAddr, span: &Span) {
        // `depends_on = [module.NAME]`: every resource of its instances.
        if addr.is_module_only() {
            let inside: Vec<ResourceAddr> = self
                .stack
                .resources
                .keys()
                .filter(|a| addr.module.covers(&a.module))
                .cloned()
                .collect();
            for dep in inside {
                let dep = self.node(Node::Resource(dep));
                self.graph.add_edge(dep, me, span.clone());
            }
            return;
        }
        if self.stack.resources.contains_key(addr) {
            let dep = self.node(Node::Resource(addr.clone()));
            self.graph.add_edge(dep, me, span.clone());
        } else {
            let names: Vec<String> = self
                .stack
                .resources
                .keys()
                .filter(|a| a.module == addr.module)
                .map(ResourceAddr::local)
                .collect();
            let text = addr.local();
            self.errors.push(undeclared(
                span,
                "resource",
                &text,
                &text,
                names.iter().map(String::as_str),
                |s| s.to_string(),
            ));
        }
    }

    /// An error for each cycle; with `break_them`, the references on it are dropped.
    fn cycles(&mut self, break_them: bool) {
        let mut on_cycles: BTreeSet<(NodeIndex, NodeIndex)> = BTreeSet::new();
        for scc in tarjan_scc(&self.graph) {
            let self_loop = scc.len() == 1 && self.graph.find_edge(scc[0], scc[0]).is_some();
            if scc.len() < 2 && !self_loop {
                continue;
            }
            let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
            let mut names: Vec<String> = scc.iter().map(|i| self.graph[*i].to_string()).collect();
            names.sort();
            let mut related = Vec::new();
            for &i in &scc {
                for edge in self.graph.edges_directed(i, Direction::Incoming) {
                    if members.contains(&edge.source()) {
                        on_cycles.insert((edge.source(), edge.target()));
                        let from = &self.graph[edge.target()];
                        let to = &self.graph[edge.source()];
                        related.push(Diag::at(
                            edge.weight(),
                            format!("{from} refers to {to}"),
                            "reference on the cycle",
                        ));
                    }
                }
            }
            related.sort_by(|a, b| a.location.cmp(&b.location));
            let primary = related
                .first()
                .and_then(|d| d.location.clone())
                .unwrap_or_default();
            let mut d = Diag::plain(format!("dependency cycle between {}", names.join(", ")))
                .with_help("break the cycle: one of these references must go (or use a separate resource such as an attachment or rule)")
                .with_related(related);
            d.location = Some(primary);
            self.errors.push(d);
        }
        if break_them && !on_cycles.is_empty() {
            self.graph.retain_edges(|g, e| {
                g.edge_endpoints(e)
                    .is_none_or(|ends| !on_cycles.contains(&ends))
            });
        }
    }
}

fn undeclared<'n>(
    span: &Span,
    what: &str,
    text: &str,
    name: &str,
    candidates: impl Iterator<Item = &'n str>,
    show: impl Fn(&str) -> String,
) -> Diag {
    let d = Diag::at(
        span,
        format!("reference to undeclared {what} {text}"),
        "not declared",
    );
    match did_you_mean(name, candidates) {
        Some(s) => d.with_help(format!("did you mean {}?", show(s))),
        None => d.with_help(format!("declare the {what} or fix the reference")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(src: &str) -> Stack {
        Stack::from_sources(
            std::path::Path::new("."),
            vec![("main.hcl".into(), src.to_string())],
        )
        .unwrap()
    }

    #[test]
    fn orders_dependencies_first_through_locals() {
        let s = stack(
            r#"
resource "aws_kms_key" "k" {}
locals { key = aws_kms_key.k.arn }
resource "aws_ebs_volume" "v" { kms_key_id = local.key }
"#,
        );
        let g = ConfigGraph::build(&s).unwrap();
        let order: Vec<String> = g.order().iter().map(ToString::to_string).collect();
        let pos = |n: &str| order.iter().position(|o| o == n).unwrap();
        assert!(pos("aws_kms_key.k") < pos("local.key"));
        assert!(pos("local.key") < pos("aws_ebs_volume.v"));
        let deps = g.resource_dependencies(&Node::Resource(ResourceAddr::managed(
            "aws_ebs_volume",
            "v",
        )));
        assert_eq!(
            deps.into_iter().map(|a| a.to_string()).collect::<Vec<_>>(),
            ["aws_kms_key.k"]
        );
    }

    #[test]
    fn cycle_error_names_every_address_and_reference() {
        let s = stack(
            "resource \"aws_security_group\" \"a\" { description = aws_security_group.b.id }\n\
             resource \"aws_security_group\" \"b\" { description = aws_security_group.a.id }\n",
        );
        let err = ConfigGraph::build(&s).err().unwrap();
        let d = &err.0[0];
        assert_eq!(
            d.message,
            "dependency cycle between aws_security_group.a, aws_security_group.b"
        );
        let places: Vec<String> = d
            .related
            .iter()
            .map(|r| format!("{} @ {}", r.message, r.location.clone().unwrap()))
            .collect();
        assert_eq!(
            places,
            [
                "aws_security_group.a refers to aws_security_group.b @ main.hcl:1:51",
                "aws_security_group.b refers to aws_security_group.a @ main.hcl:2:51",
            ]
        );
    }

    #[test]
    fn undeclared_reference_is_reported_where_written() {
        let s = stack(
            "variable \"region\" {}\nresource \"aws_vpc\" \"v\" { cidr_block = var.regoin }\n",
        );
        let err = ConfigGraph::build(&s).err().unwrap();
        assert_eq!(
            err.0[0].message,
            "reference to undeclared variable var.regoin"
        );
        assert_eq!(err.0[0].location.as_deref(), Some("main.hcl:2:39"));
        assert_eq!(err.0[0].help.as_deref(), Some("did you mean var.region?"));
    }

    #[test]
    fn module_outputs_need_a_declared_module() {
        let src = "module \"web\" {\n  source = \"./web\"\n}\nresource \"aws_vpc\" \"v\" {\n  cidr_block = module.web.cidr\n  tags = { other = module.webs.x }\n}\n";
        let s = Stack::from_sources_with_modules(
            std::path::Path::new("."),
            vec![("main.hcl".into(), src.to_string())],
        )
        .unwrap();
        let err = ConfigGraph::build(&s).err().unwrap();
        let found: Vec<String> = err
            .0
            .iter()
            .map(|d| format!("{} @ {}", d.message, d.location.clone().unwrap()))
            .collect();
        assert_eq!(
            found,
            ["reference to undeclared module module.webs @ main.hcl:6:20"]
        );
        assert_eq!(err.0[0].help.as_deref(), Some("did you mean module.web?"));
    }

    #[test]
    fn a_tolerant_graph_drops_undeclared_references_and_breaks_cycles() {
        let s = stack(
            "resource \"aws_security_group\" \"a\" { description = aws_security_group.b.id }\n\
             resource \"aws_security_group\" \"b\" { description = aws_security_group.a.id }\n\
             resource \"aws_vpc\" \"v\" { cidr_block = var.nowhere }\n",
        );
        let (g, notes) = ConfigGraph::build_tolerant(&s);
        let messages: Vec<&str> = notes.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            ["dependency cycle between aws_security_group.a, aws_security_group.b"]
        );
        assert_eq!(g.order().len(), 3, "every block is still walked");
    }
}
