//! Small ONNX files laid out as torch's exporter writes a BERT encoder (named embeddings, norms
//! and biases; anonymous `onnx::MatMul_N` weights stored [in, out] under a scoped MatMul; the head
//! split as a Concat of constants; LayerNorm spelt out with its epsilon), encoded by a minimal
//! protobuf writer. Shared by the tests and the fuzz seed writer (examples/onnx_seeds.rs); the
//! graph is a value the tests edit to make one defect at a time.
#![allow(dead_code)]

#[derive(Default)]
pub struct Msg(pub Vec<u8>);

impl Msg {
    fn varint_raw(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }
    pub fn varint(&mut self, field: u32, v: u64) -> &mut Self {
        self.varint_raw(u64::from(field) << 3);
        self.varint_raw(v);
        self
    }
    pub fn bytes(&mut self, field: u32, b: &[u8]) -> &mut Self {
        self.varint_raw((u64::from(field) << 3) | 2);
        self.varint_raw(b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }
    pub fn str(&mut self, field: u32, s: &str) -> &mut Self {
        self.bytes(field, s.as_bytes())
    }
    pub fn fixed32(&mut self, field: u32, v: u32) -> &mut Self {
        self.varint_raw((u64::from(field) << 3) | 5);
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
}

#[derive(Clone, Debug)]
pub struct Init {
    pub name: String,
    pub dims: Vec<u64>,
    /// ONNX data type (1 float32, 7 int64, 2 uint8).
    pub data_type: u32,
    pub raw: Vec<u8>,
    /// Written as `data_location: EXTERNAL` with this location instead of the bytes.
    pub external: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NodeSpec {
    pub name: String,
    pub op: String,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    /// A Constant's value.
    pub value: Option<Init>,
}

#[derive(Clone, Debug)]
pub struct Spec {
    pub hidden: usize,
    pub heads: usize,
    pub ff: usize,
    pub layers: usize,
    pub vocab: usize,
    pub positions: usize,
}

impl Spec {
    pub fn tiny(vocab: usize) -> Spec {
        Spec {
            hidden: 8,
            heads: 2,
            ff: 16,
            layers: 2,
            vocab,
            positions: 16,
        }
    }
}

#[derive(Clone, Debug)]
pub struct OnnxGraph {
    pub nodes: Vec<NodeSpec>,
    pub inits: Vec<Init>,
}

/// Deterministic weights: the value of element `i` of tensor number `t`.
pub fn weight(t: usize, i: usize) -> f32 {
    (((t * 7919 + i * 104_729) % 2003) as f32 - 1001.0) / 4000.0
}

pub fn f32_init(name: &str, dims: &[u64], t: usize) -> Init {
    let n: u64 = dims.iter().product();
    let raw = (0..n as usize)
        .flat_map(|i| {
            let v = if name.contains("LayerNorm.weight") {
                1.0 + weight(t, i) / 8.0
            } else {
                weight(t, i)
            };
            v.to_le_bytes()
        })
        .collect();
    Init {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: 1,
        raw,
        external: None,
    }
}

fn int64_const(values: &[i64]) -> Init {
    Init {
        name: String::new(),
        dims: vec![values.len() as u64],
        data_type: 7,
        raw: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        external: None,
    }
}

fn scalar(v: f32) -> Init {
    Init {
        name: String::new(),
        dims: vec![],
        data_type: 1,
        raw: v.to_le_bytes().to_vec(),
        external: None,
    }
}

fn node(name: &str, op: &str, inputs: &[&str], outputs: &[&str]) -> NodeSpec {
    NodeSpec {
        name: name.into(),
        op: op.into(),
        inputs: inputs.iter().map(|s| s.to_string()).collect(),
        outputs: outputs.iter().map(|s| s.to_string()).collect(),
        value: None,
    }
}

fn constant(name: &str, value: Init) -> NodeSpec {
    NodeSpec {
        value: Some(value),
        ..node(name, "Constant", &[], &[&format!("{name}_output_0")])
    }
}

/// The Hugging Face tensors of the model (PyTorch shapes), in a fixed order: the safetensors
/// twin of the ONNX file holds exactly these.
pub fn hf_tensors(s: &Spec) -> Vec<(String, Vec<u64>)> {
    let (h, f) = (s.hidden as u64, s.ff as u64);
    let mut t: Vec<(String, Vec<u64>)> = vec![
        (
            "embeddings.word_embeddings.weight".into(),
            vec![s.vocab as u64, h],
        ),
        (
            "embeddings.position_embeddings.weight".into(),
            vec![s.positions as u64, h],
        ),
        ("embeddings.token_type_embeddings.weight".into(), vec![2, h]),
        ("embeddings.LayerNorm.weight".into(), vec![h]),
        ("embeddings.LayerNorm.bias".into(), vec![h]),
    ];
    for l in 0..s.layers {
        let p = format!("encoder.layer.{l}.");
        for (m, out, inp) in [
            ("attention.self.query", h, h),
            ("attention.self.key", h, h),
            ("attention.self.value", h, h),
            ("attention.output.dense", h, h),
            ("intermediate.dense", f, h),
            ("output.dense", h, f),
        ] {
            t.push((format!("{p}{m}.weight"), vec![out, inp]));
            t.push((format!("{p}{m}.bias"), vec![out]));
        }
        for m in ["attention.output.LayerNorm", "output.LayerNorm"] {
            t.push((format!("{p}{m}.weight"), vec![h]));
            t.push((format!("{p}{m}.bias"), vec![h]));
        }
    }
    t
}

/// The values of HF tensor number `t` of `hf_tensors`, row-major in PyTorch's layout.
pub fn hf_values(name: &str, dims: &[u64], t: usize) -> Vec<f32> {
    let raw = f32_init(name, dims, t).raw;
    raw.chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// The export of the model `hf_tensors` describes, with the same values.
pub fn bert_onnx(s: &Spec) -> OnnxGraph {
    let mut nodes = vec![];
    let mut inits = vec![];
    let mut anon = 1000;
    let mut x = "/embeddings/LayerNorm/Add_1_output_0".to_string();
    let head_dim = (s.hidden / s.heads) as i64;
    nodes.push(constant("/embeddings/LayerNorm/Constant_1", scalar(1e-12)));
    nodes.push(node(
        "/embeddings/LayerNorm/Add",
        "Add",
        &[
            "/embeddings/LayerNorm/ReduceMean_1_output_0",
            "/embeddings/LayerNorm/Constant_1_output_0",
        ],
        &["/embeddings/LayerNorm/Add_output_0"],
    ));
    nodes.push(node(
        "/embeddings/LayerNorm/Sqrt",
        "Sqrt",
        &["/embeddings/LayerNorm/Add_output_0"],
        &["/embeddings/LayerNorm/Sqrt_output_0"],
    ));
    for (t, (name, dims)) in hf_tensors(s).iter().enumerate() {
        let linear = name.ends_with(".weight") && dims.len() == 2 && name.starts_with("encoder.");
        if !linear {
            inits.push(f32_init(name, dims, t));
            continue;
        }
        // Stored transposed, [in, out], under an anonymous name.
        let values = hf_values(name, dims, t);
        let (out, inp) = (dims[0] as usize, dims[1] as usize);
        let mut raw = Vec::with_capacity(values.len() * 4);
        for i in 0..inp {
            for o in 0..out {
                raw.extend_from_slice(&values[o * inp + i].to_le_bytes());
            }
        }
        anon += 1;
        let w = format!("onnx::MatMul_{anon}");
        inits.push(Init {
            name: w.clone(),
            dims: vec![inp as u64, out as u64],
            data_type: 1,
            raw,
            external: None,
        });
        let stem = name.strip_suffix(".weight").unwrap();
        let scope = format!("/{}", stem.replace('.', "/").replace("layer/", "layer."));
        let mm_out = format!("{scope}/MatMul_output_0");
        let add_out = format!("{scope}/Add_output_0");
        nodes.push(node(
            &format!("{scope}/MatMul"),
            "MatMul",
            &[&x, &w],
            &[&mm_out],
        ));
        nodes.push(node(
            &format!("{scope}/Add"),
            "Add",
            &[&format!("{stem}.bias"), &mm_out],
            &[&add_out],
        ));
        if stem.ends_with("attention.self.query") {
            let a = scope.trim_end_matches("/query");
            nodes.push(constant(
                &format!("{a}/Constant_2"),
                int64_const(&[s.heads as i64]),
            ));
            nodes.push(constant(
                &format!("{a}/Constant_3"),
                int64_const(&[head_dim]),
            ));
            nodes.push(node(
                &format!("{a}/Concat"),
                "Concat",
                &[
                    &format!("{a}/Unsqueeze_output_0"),
                    &format!("{a}/Unsqueeze_1_output_0"),
                    &format!("{a}/Constant_2_output_0"),
                    &format!("{a}/Constant_3_output_0"),
                ],
                &[&format!("{a}/Concat_output_0")],
            ));
            nodes.push(node(
                &format!("{a}/Reshape"),
                "Reshape",
                &[&add_out, &format!("{a}/Concat_output_0")],
                &[&format!("{a}/Reshape_output_0")],
            ));
        }
        if stem.ends_with("intermediate.dense") {
            nodes.push(node(
                &format!("{scope}/intermediate_act_fn/Erf"),
                "Erf",
                &[&add_out],
                &[&format!("{scope}/Erf_output_0")],
            ));
        }
        x = add_out;
    }
    OnnxGraph { nodes, inits }
}

fn encode_tensor(t: &Init) -> Msg {
    let mut m = Msg::default();
    for &d in &t.dims {
        m.varint(1, d);
    }
    m.varint(2, u64::from(t.data_type));
    if !t.name.is_empty() {
        m.str(8, &t.name);
    }
    match &t.external {
        None => {
            m.bytes(9, &t.raw);
        }
        Some(location) => {
            let mut entry = Msg::default();
            entry.str(1, "location").str(2, location);
            m.bytes(13, &entry.0).varint(14, 1);
        }
    }
    m
}

impl OnnxGraph {
    pub fn encode(&self) -> Vec<u8> {
        let mut g = Msg::default();
        for n in &self.nodes {
            let mut m = Msg::default();
            for i in &n.inputs {
                m.str(1, i);
            }
            for o in &n.outputs {
                m.str(2, o);
            }
            m.str(3, &n.name).str(4, &n.op);
            if let Some(v) = &n.value {
                let mut a = Msg::default();
                a.str(1, "value")
                    .varint(20, 4)
                    .bytes(5, &encode_tensor(v).0);
                m.bytes(5, &a.0);
            }
            g.bytes(1, &m.0);
        }
        g.str(2, "main_graph");
        for t in &self.inits {
            g.bytes(5, &encode_tensor(t).0);
        }
        let mut model = Msg::default();
        let mut opset = Msg::default();
        opset.str(1, "").varint(2, 11);
        model
            .varint(1, 6)
            .str(2, "pytorch")
            .bytes(7, &g.0)
            .bytes(8, &opset.0);
        model.0
    }
}

/// A WordPiece tokenizer.json with `n` tokens ([PAD], [UNK], [CLS], [SEP], [MASK], then words),
/// as Hugging Face tokenizers writes it for BERT, without a tokenizer_config.json beside it.
pub fn tokenizer_json(n: usize) -> String {
    let mut words: Vec<String> = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "def", "return", "add", "(", ")", "x", "##s",
    ]
    .map(String::from)
    .to_vec();
    words.extend((words.len()..n).map(|i| format!("w{i}")));
    words.truncate(n);
    let vocab: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| format!("{w:?}: {i}"))
        .collect();
    let added: Vec<String> = words[..5]
        .iter()
        .enumerate()
        .map(|(i, w)| format!(r#"{{"id": {i}, "content": {w:?}, "special": true}}"#))
        .collect();
    format!(
        r#"{{"added_tokens": [{}], "normalizer": {{"type": "BertNormalizer", "lowercase": true}},
"post_processor": {{"type": "TemplateProcessing", "single": [{{"SpecialToken": {{"id": "[CLS]", "type_id": 0}}}}, {{"Sequence": {{"id": "A", "type_id": 0}}}}, {{"SpecialToken": {{"id": "[SEP]", "type_id": 0}}}}]}},
"model": {{"type": "WordPiece", "unk_token": "[UNK]", "vocab": {{{}}}}}}}"#,
        added.join(", "),
        vocab.join(", ")
    )
}
