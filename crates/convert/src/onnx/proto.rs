//! The parts of ONNX's protobuf schema (onnx.proto, IR version 3 and later) a converter reads:
//! the model's opsets, the graph's nodes (with their attributes) and initializers. Everything
//! borrows from the file's bytes; tensor payloads are never copied here. Unknown fields are
//! skipped, as protobuf readers do.
//!
//! Counts are bounded by a budget of parsed items rather than per list, since per-list caps still
//! multiply (a million nodes of a thousand inputs each).

use super::wire::{packed_varints, Fields, Wire, WireError};

/// Most nodes, inputs, attributes, dims and initializers one file may hold, all together. A
/// 24-layer encoder's graph has about 20,000.
const MAX_ITEMS: usize = 2_000_000;
/// Deeper tensors than this exist nowhere in an encoder.
const MAX_RANK: usize = 8;

/// ONNX TensorProto.DataType values the converter distinguishes.
pub mod dtype {
    pub const FLOAT: i32 = 1;
    pub const UINT8: i32 = 2;
    pub const INT8: i32 = 3;
    pub const INT32: i32 = 6;
    pub const INT64: i32 = 7;
    pub const FLOAT16: i32 = 10;
    pub const DOUBLE: i32 = 11;
    pub const BFLOAT16: i32 = 16;

    pub fn name(t: i32) -> String {
        match t {
            FLOAT => "float32".into(),
            UINT8 => "uint8".into(),
            INT8 => "int8".into(),
            INT32 => "int32".into(),
            INT64 => "int64".into(),
            FLOAT16 => "float16".into(),
            DOUBLE => "float64".into(),
            BFLOAT16 => "bfloat16".into(),
            other => format!("data type {other}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtoError {
    /// Which message was being read ("ModelProto.graph.node[12]", ...).
    pub at: String,
    pub reason: String,
}

fn err<T>(at: &str, reason: impl Into<String>) -> Result<T, ProtoError> {
    Err(ProtoError {
        at: at.to_owned(),
        reason: reason.into(),
    })
}

fn wire_err(at: &str, e: WireError) -> ProtoError {
    ProtoError {
        at: at.to_owned(),
        reason: format!("{} (byte {} of the message)", e.reason, e.offset),
    }
}

/// Where a tensor's values are.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload<'a> {
    /// No data field was present (an empty tensor, or one declared elsewhere).
    Empty,
    /// `raw_data`: little-endian values of the tensor's data type.
    Raw(&'a [u8]),
    /// A packed `float_data`: also little-endian f32, so read like raw float32 bytes.
    PackedFloats(&'a [u8]),
    /// `int64_data` (shape constants).
    Int64(Vec<i64>),
    /// `data_location: EXTERNAL`: the values live in another file.
    External { location: Option<&'a str> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tensor<'a> {
    pub name: &'a str,
    pub dims: Vec<u64>,
    pub data_type: i32,
    pub payload: Payload<'a>,
}

impl Tensor<'_> {
    pub fn n_elements(&self) -> Option<u64> {
        self.dims
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attribute<'a> {
    pub name: &'a str,
    pub float: Option<f32>,
    pub int: Option<i64>,
    pub tensor: Option<Tensor<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node<'a> {
    pub name: &'a str,
    pub op_type: &'a str,
    pub domain: &'a str,
    pub inputs: Vec<&'a str>,
    pub outputs: Vec<&'a str>,
    pub attributes: Vec<Attribute<'a>>,
}

impl<'a> Node<'a> {
    pub fn attribute(&self, name: &str) -> Option<&Attribute<'a>> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Graph<'a> {
    pub nodes: Vec<Node<'a>>,
    pub initializers: Vec<Tensor<'a>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Model<'a> {
    pub ir_version: u64,
    /// (domain, version); the default domain is "".
    pub opsets: Vec<(&'a str, u64)>,
    pub graph: Graph<'a>,
}

struct Reader {
    items: usize,
}

impl Reader {
    fn count(&mut self, at: &str) -> Result<(), ProtoError> {
        self.items += 1;
        if self.items > MAX_ITEMS {
            return err(at, format!("more than {MAX_ITEMS} graph items"));
        }
        Ok(())
    }

    fn fields<'a>(
        &self,
        bytes: &'a [u8],
        at: &str,
        mut each: impl FnMut(u32, Wire<'a>) -> Result<(), ProtoError>,
    ) -> Result<(), ProtoError> {
        let mut f = Fields::new(bytes);
        while let Some((number, value)) = f.next_field().map_err(|e| wire_err(at, e))? {
            each(number, value)?;
        }
        Ok(())
    }
}

fn text<'a>(v: Wire<'a>, at: &str, field: &str) -> Result<&'a str, ProtoError> {
    match v {
        Wire::Bytes(b) => {
            std::str::from_utf8(b).or_else(|_| err(at, format!("{field} is not UTF-8")))
        }
        _ => err(at, format!("{field} has the wrong wire type")),
    }
}

fn bytes<'a>(v: Wire<'a>, at: &str, field: &str) -> Result<&'a [u8], ProtoError> {
    match v {
        Wire::Bytes(b) => Ok(b),
        _ => err(at, format!("{field} has the wrong wire type")),
    }
}

fn varint(v: Wire<'_>, at: &str, field: &str) -> Result<u64, ProtoError> {
    match v {
        Wire::Varint(x) => Ok(x),
        _ => err(at, format!("{field} has the wrong wire type")),
    }
}

pub fn parse_model(buf: &[u8]) -> Result<Model<'_>, ProtoError> {
    let mut r = Reader { items: 0 };
    let at = "ModelProto";
    let mut ir_version = 0;
    let mut opsets = Vec::new();
    let mut graph = None;
    let mut graphs = 0;
    r.fields(buf, at, |n, v| {
        match n {
            1 => ir_version = varint(v, at, "ir_version")?,
            8 => opsets.push(bytes(v, at, "opset_import")?),
            7 => {
                graphs += 1;
                graph = Some(bytes(v, at, "graph")?);
            }
            _ => {}
        }
        Ok(())
    })?;
    let mut parsed_opsets = Vec::with_capacity(opsets.len().min(64));
    for (i, o) in opsets.into_iter().enumerate() {
        let at = format!("ModelProto.opset_import[{i}]");
        r.count(&at)?;
        let (mut domain, mut version) = ("", 0);
        r.fields(o, &at, |n, v| {
            match n {
                1 => domain = text(v, &at, "domain")?,
                2 => version = varint(v, &at, "version")?,
                _ => {}
            }
            Ok(())
        })?;
        parsed_opsets.push((domain, version));
    }
    let Some(graph) = graph else {
        return err(at, "no graph: not an ONNX model file");
    };
    if graphs > 1 {
        return err(at, "more than one graph field");
    }
    Ok(Model {
        ir_version,
        opsets: parsed_opsets,
        graph: parse_graph(&mut r, graph)?,
    })
}

fn parse_graph<'a>(r: &mut Reader, buf: &'a [u8]) -> Result<Graph<'a>, ProtoError> {
    let at = "ModelProto.graph";
    let mut node_bytes = Vec::new();
    let mut init_bytes = Vec::new();
    let mut sparse = false;
    r.fields(buf, at, |n, v| {
        match n {
            1 => node_bytes.push(bytes(v, at, "node")?),
            5 => init_bytes.push(bytes(v, at, "initializer")?),
            15 => sparse = true,
            _ => {}
        }
        if node_bytes.len() + init_bytes.len() > MAX_ITEMS {
            return err(at, format!("more than {MAX_ITEMS} nodes and initializers"));
        }
        Ok(())
    })?;
    if sparse {
        return err(at, "sparse initializers are not read by this converter");
    }
    let mut nodes = Vec::with_capacity(node_bytes.len());
    for (i, b) in node_bytes.into_iter().enumerate() {
        nodes.push(parse_node(r, b, &format!("{at}.node[{i}]"))?);
    }
    let mut initializers = Vec::with_capacity(init_bytes.len());
    for (i, b) in init_bytes.into_iter().enumerate() {
        initializers.push(parse_tensor(r, b, &format!("{at}.initializer[{i}]"))?);
    }
    Ok(Graph {
        nodes,
        initializers,
    })
}

fn parse_node<'a>(r: &mut Reader, buf: &'a [u8], at: &str) -> Result<Node<'a>, ProtoError> {
    r.count(at)?;
    let mut node = Node {
        name: "",
        op_type: "",
        domain: "",
        inputs: Vec::new(),
        outputs: Vec::new(),
        attributes: Vec::new(),
    };
    let mut attrs = Vec::new();
    let mut items = 0usize;
    r.fields(buf, at, |n, v| {
        match n {
            1 => node.inputs.push(text(v, at, "input")?),
            2 => node.outputs.push(text(v, at, "output")?),
            3 => node.name = text(v, at, "name")?,
            4 => node.op_type = text(v, at, "op_type")?,
            7 => node.domain = text(v, at, "domain")?,
            5 => attrs.push(bytes(v, at, "attribute")?),
            _ => {}
        }
        items += 1;
        Ok(())
    })?;
    r.items += items;
    r.count(at)?;
    for (i, b) in attrs.into_iter().enumerate() {
        node.attributes
            .push(parse_attribute(r, b, &format!("{at}.attribute[{i}]"))?);
    }
    Ok(node)
}

fn parse_attribute<'a>(
    r: &mut Reader,
    buf: &'a [u8],
    at: &str,
) -> Result<Attribute<'a>, ProtoError> {
    r.count(at)?;
    let mut a = Attribute {
        name: "",
        float: None,
        int: None,
        tensor: None,
    };
    let mut tensor = None;
    r.fields(buf, at, |n, v| {
        match (n, v) {
            (1, v) => a.name = text(v, at, "name")?,
            (2, Wire::Fixed32(x)) => a.float = Some(f32::from_bits(x)),
            (3, Wire::Varint(x)) => a.int = Some(x as i64),
            (5, v) => tensor = Some(bytes(v, at, "t")?),
            // Sub-graphs, strings and lists are not needed to convert an encoder: skipped unread.
            _ => {}
        }
        Ok(())
    })?;
    if let Some(t) = tensor {
        a.tensor = Some(parse_tensor(r, t, &format!("{at}.t"))?);
    }
    Ok(a)
}

fn parse_tensor<'a>(r: &mut Reader, buf: &'a [u8], at: &str) -> Result<Tensor<'a>, ProtoError> {
    r.count(at)?;
    let mut t = Tensor {
        name: "",
        dims: Vec::new(),
        data_type: 0,
        payload: Payload::Empty,
    };
    let mut external = false;
    let mut location = None;
    let mut ints: Vec<i64> = Vec::new();
    let mut budget = MAX_ITEMS.saturating_sub(r.items);
    let mut take = |at: &str| -> Result<(), ProtoError> {
        budget = match budget.checked_sub(1) {
            Some(b) => b,
            None => return err(at, format!("more than {MAX_ITEMS} graph items")),
        };
        Ok(())
    };
    let dim = |x: u64, dims: &mut Vec<u64>, at: &str| -> Result<(), ProtoError> {
        // dims are int64; a negative one is a corrupt file (the wire carries it as a huge u64)
        if x > i64::MAX as u64 {
            return err(at, "negative dimension");
        }
        if dims.len() == MAX_RANK {
            return err(at, format!("more than {MAX_RANK} dimensions"));
        }
        dims.push(x);
        Ok(())
    };
    let set_payload = |p: Payload<'a>, slot: &mut Payload<'a>, at: &str| {
        if *slot != Payload::Empty {
            return err(at, "more than one data field");
        }
        *slot = p;
        Ok(())
    };
    let mut payload = Payload::Empty;
    r.fields(buf, at, |n, v| {
        match (n, v) {
            (1, Wire::Varint(x)) => dim(x, &mut t.dims, at)?,
            (1, Wire::Bytes(b)) => {
                for x in packed_varints(b) {
                    dim(x.map_err(|e| wire_err(at, e))?, &mut t.dims, at)?;
                }
            }
            (2, v) => {
                t.data_type = i32::try_from(varint(v, at, "data_type")?)
                    .or_else(|_| err(at, "data_type out of range"))?
            }
            (8, v) => t.name = text(v, at, "name")?,
            (9, v) => set_payload(Payload::Raw(bytes(v, at, "raw_data")?), &mut payload, at)?,
            (4, Wire::Bytes(b)) => set_payload(Payload::PackedFloats(b), &mut payload, at)?,
            (4, _) => {
                return err(
                    at,
                    "unpacked float_data is not read (proto3 writes it packed)",
                )
            }
            (7, Wire::Varint(x)) => {
                take(at)?;
                ints.push(x as i64)
            }
            (7, Wire::Bytes(b)) => {
                for x in packed_varints(b) {
                    take(at)?;
                    ints.push(x.map_err(|e| wire_err(at, e))? as i64);
                }
            }
            (13, v) => {
                // StringStringEntryProto { key = 1, value = 2 }: only "location" matters.
                let entry = bytes(v, at, "external_data")?;
                let (mut key, mut value) = ("", "");
                let mut f = Fields::new(entry);
                while let Some((k, v)) = f.next_field().map_err(|e| wire_err(at, e))? {
                    match k {
                        1 => key = text(v, at, "external_data.key")?,
                        2 => value = text(v, at, "external_data.value")?,
                        _ => {}
                    }
                }
                if key == "location" {
                    location = Some(value);
                }
            }
            (14, v) => external = varint(v, at, "data_location")? == 1,
            _ => {}
        }
        Ok(())
    })?;
    r.items += t.dims.len() + ints.len();
    if !ints.is_empty() {
        set_payload(Payload::Int64(ints), &mut payload, at)?;
    }
    if external || location.is_some() {
        payload = Payload::External { location };
    }
    t.payload = payload;
    Ok(t)
}
