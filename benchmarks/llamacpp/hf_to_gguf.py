#!/usr/bin/env python3
"""Write a GGUF of a Llama checkpoint in Hugging Face layout (config.json + one
model.safetensors), so llama.cpp runs the very weights `manualbot bench` runs.

It is for the speed comparison only (benchmarks/llamacpp/compare.sh): the GGUF carries no
tokenizer ("no_vocab", llama-bench feeds random ids), and only the plain Llama tensors are
mapped. It needs numpy and llama.cpp's own gguf-py (PYTHONPATH=LLAMA_CPP/gguf-py), not
torch: convert_hf_to_gguf.py would need torch and transformers.

usage: hf_to_gguf.py MODEL_DIR OUT.gguf {f32,f16,bf16,q8_0}
"""
import json
import struct
import sys
import types

import numpy as np

try:
    import sentencepiece  # noqa: F401
except ImportError:  # gguf-py's vocab module imports it; this script writes no vocabulary
    stub = types.ModuleType("sentencepiece")
    stub.SentencePieceProcessor = None
    sys.modules["sentencepiece"] = stub
import gguf  # noqa: E402


def read_safetensors(path):
    """Yield (name, float32 array) for each tensor of a safetensors file."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        header.pop("__metadata__", None)
        for name, info in sorted(header.items()):
            begin, end = info["data_offsets"]
            f.seek(base + begin)
            raw = f.read(end - begin)
            dt = info["dtype"]
            if dt == "F32":
                a = np.frombuffer(raw, dtype="<f4")
            elif dt == "F16":
                a = np.frombuffer(raw, dtype="<f2").astype(np.float32)
            elif dt == "BF16":
                a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
            else:
                raise SystemExit(f"{name}: dtype {dt} not handled")
            yield name, a.reshape(info["shape"])


def permute(w, heads):
    """Hugging Face's rotate-half q/k rows to GGML's interleaved rope order, as
    convert_hf_to_gguf.py's LlamaModel.permute does."""
    return (w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    src, out, kind = sys.argv[1], sys.argv[2], sys.argv[3]
    qtype = {"f32": gguf.GGMLQuantizationType.F32, "f16": gguf.GGMLQuantizationType.F16,
             "bf16": gguf.GGMLQuantizationType.BF16, "q8_0": gguf.GGMLQuantizationType.Q8_0}[kind]
    ftype = {"f32": gguf.LlamaFileType.ALL_F32, "f16": gguf.LlamaFileType.MOSTLY_F16,
             "bf16": gguf.LlamaFileType.MOSTLY_BF16, "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0}[kind]
    with open(f"{src}/config.json") as f:
        c = json.load(f)
    heads, kv = c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
    w = gguf.GGUFWriter(out, "llama")
    w.add_name("manualbot random " + kind)
    w.add_context_length(c.get("max_position_embeddings", 2048))
    w.add_embedding_length(c["hidden_size"])
    w.add_block_count(c["num_hidden_layers"])
    w.add_feed_forward_length(c["intermediate_size"])
    w.add_head_count(heads)
    w.add_head_count_kv(kv)
    w.add_rope_dimension_count(c.get("head_dim", c["hidden_size"] // heads))
    w.add_rope_freq_base(c.get("rope_theta", 10000.0))
    w.add_layer_norm_rms_eps(c.get("rms_norm_eps", 1e-5))
    w.add_vocab_size(c["vocab_size"])
    w.add_file_type(ftype)
    w.add_tokenizer_model("no_vocab")
    names = {
        "model.embed_tokens.weight": "token_embd.weight",
        "model.norm.weight": "output_norm.weight",
        "lm_head.weight": "output.weight",
    }
    per_layer = {
        "input_layernorm.weight": "attn_norm.weight",
        "self_attn.q_proj.weight": "attn_q.weight",
        "self_attn.k_proj.weight": "attn_k.weight",
        "self_attn.v_proj.weight": "attn_v.weight",
        "self_attn.o_proj.weight": "attn_output.weight",
        "post_attention_layernorm.weight": "ffn_norm.weight",
        "mlp.gate_proj.weight": "ffn_gate.weight",
        "mlp.up_proj.weight": "ffn_up.weight",
        "mlp.down_proj.weight": "ffn_down.weight",
    }
    for name, a in read_safetensors(f"{src}/model.safetensors"):
        if name.startswith("model.layers."):
            _, _, layer, rest = name.split(".", 3)
            if rest not in per_layer:
                raise SystemExit(f"{name}: not a plain Llama tensor")
            if rest == "self_attn.q_proj.weight":
                a = permute(a, heads)
            elif rest == "self_attn.k_proj.weight":
                a = permute(a, kv)
            gname = f"blk.{layer}.{per_layer[rest]}"
        elif name in names:
            gname = names[name]
        else:
            raise SystemExit(f"{name}: not a plain Llama tensor")
        if a.ndim == 1 or qtype == gguf.GGMLQuantizationType.F32:
            w.add_tensor(gname, np.ascontiguousarray(a, dtype=np.float32))
        else:
            q = gguf.quants.quantize(np.ascontiguousarray(a, dtype=np.float32), qtype)
            w.add_tensor(gname, q, raw_shape=q.shape, raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
