#!/usr/bin/env python3
"""Reference numbers from Hugging Face transformers and PEFT, the tools manualbot must agree with.

Runs where transformers, peft and torch are installed (the GPU machine has them; no network
needed): python3 hf_reference.py MODEL_DIR OUT_DIR

Writes to OUT_DIR:
  stories.json            greedy ids from BOS and logits at a few positions (base model)
  adapter_a/, adapter_b/  PEFT LoRAs with seeded random A and B (different ranks; b uses rsLoRA)
  adapter_c/              same rank and targets as a (for linear/ties/svd, which need equal ranks)
  merged_cat/ ...         PEFT add_weighted_adapter results, saved with save_pretrained
  merges.json             logits of the model with each adapter and merge applied
"""
import json
import os
import shutil
import sys

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForCausalLM

MODEL, OUT = sys.argv[1], sys.argv[2]
os.makedirs(OUT, exist_ok=True)
POSITIONS = [0, 5, 20, -1]
PROMPT = [1, 403, 407, 261, 378, 29, 1022 % 512]  # BOS and a few story tokens


def base_model():
    m = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32)
    m.eval()
    return m


def pick(logits, seq_len):
    positions = POSITIONS if seq_len > 20 else range(seq_len)
    return {str(p if p >= 0 else seq_len + p): logits[p].tolist() for p in positions}


@torch.no_grad()
def stories():
    m = base_model()
    seq = [1]
    for _ in range(60):  # plain greedy loop: no generation-config defaults involved
        seq.append(int(m(torch.tensor([seq])).logits[0, -1].argmax()))
    logits = m(torch.tensor([seq])).logits[0]
    json.dump({"ids": seq, "logits": pick(logits, len(seq))}, open(f"{OUT}/stories.json", "w"))


def make_adapter(name, seed, r, alpha, targets, rslora):
    torch.manual_seed(seed)
    cfg = LoraConfig(r=r, lora_alpha=alpha, target_modules=targets, use_rslora=rslora, lora_dropout=0.0, init_lora_weights=False)
    pm = get_peft_model(base_model(), cfg)
    with torch.no_grad():
        for n, p in pm.named_parameters():
            if "lora_" in n:
                p.copy_(torch.randn_like(p) * 0.05)
    pm.save_pretrained(f"{OUT}/{name}")


@torch.no_grad()
def merges():
    results = {"prompt": PROMPT}
    x = torch.tensor([PROMPT])
    pm = PeftModel.from_pretrained(base_model(), f"{OUT}/adapter_a", adapter_name="a")
    pm.load_adapter(f"{OUT}/adapter_b", adapter_name="b")
    pm.load_adapter(f"{OUT}/adapter_c", adapter_name="c")
    pm.eval()
    for name in ["a", "b", "c"]:
        pm.set_adapter(name)
        results[name] = pick(pm(x).logits[0], len(PROMPT))
    plans = [
        ("cat", ["a", "b"], [0.7, 0.3], dict(combination_type="cat")),
        ("linear", ["a", "c"], [0.7, 0.3], dict(combination_type="linear")),
        ("ties", ["a", "c"], [0.7, 0.3], dict(combination_type="ties", density=0.5)),
        ("svd", ["a", "c"], [0.7, 0.3], dict(combination_type="svd", svd_rank=4)),
    ]
    for name, adapters, weights, kw in plans:
        merged = "merged_" + name
        pm.add_weighted_adapter(adapters, weights, merged, **kw)
        pm.set_adapter(merged)
        results[merged] = pick(pm(x).logits[0], len(PROMPT))
        pm.save_pretrained(f"{OUT}/tmp_save", selected_adapters=[merged])
        for root, _, files in os.walk(f"{OUT}/tmp_save"):
            if "adapter_config.json" in files:
                os.replace(root, f"{OUT}/{merged}")
                break
        shutil.rmtree(f"{OUT}/tmp_save", ignore_errors=True)
    json.dump(results, open(f"{OUT}/merges.json", "w"))


if __name__ == "__main__":
    stories()
    make_adapter("adapter_a", 1, 4, 8, ["q_proj", "v_proj", "down_proj"], False)
    make_adapter("adapter_b", 2, 8, 16, ["q_proj", "k_proj", "o_proj", "gate_proj", "up_proj"], True)
    make_adapter("adapter_c", 3, 4, 8, ["q_proj", "v_proj", "down_proj"], False)
    merges()
    print("wrote", sorted(os.listdir(OUT)))
