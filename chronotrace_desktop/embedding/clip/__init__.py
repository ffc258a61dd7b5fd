"""CLIP-style engine from a local folder: ONNX image and text towers, a tokenizer, one shared space.

The folder is the setting ``clip_model_dir``; nothing is ever fetched at run time. It holds::

    image.onnx       input  pixel_values float32 [N, 3, H, W]  (RGB, normalised as config.json says)
                     output image embeddings [N, D]             (e.g. "image_embeds"; see below)
    text.onnx        input  input_ids int64 [N, L]              (+ attention_mask int64 [N, L] if declared)
                     output text embeddings [N, D]              (e.g. "text_embeds")
    tokenizer.json   Hugging Face ``tokenizers`` format (CLIP's byte-level BPE for OpenAI/OpenCLIP models)
    config.json      optional; every key has a default (OpenAI CLIP's; sizes from fixed graph shapes):
                     {"model_name": "<folder name>", "model_version": "",
                      "image_size": 224,                       (or the image graph's fixed H = W)
                      "mean": [0.48145466, 0.4578275, 0.40821073],
                      "std": [0.26862954, 0.26130258, 0.27577711],
                      "context_length": 77,                    (or the text graph's fixed L)
                      "pad_token_id": 0,
                      "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>",
                      "image_output": null, "text_output": null}

The graphs' inputs are read at load: the image graph's one input is fed whatever its name; the
text graph gets ``attention_mask`` only when it declares one; an input typed int32 gets int32. The embedding
output is the one ``image_output``/``text_output`` names, else one named ``image_embeds``/``text_embeds``/
``embeds``/``embeddings``, else the graph's only 2-D output (an HF export also returns ``last_hidden_state``,
which is 3-D and never picked). Both towers must give the same D. Text is padded to ``context_length`` with
``pad_token_id`` (0, like OpenAI CLIP and open_clip's ``tokenize``; exports that pool at the EOS token by
``argmax(input_ids)`` need a pad id below the EOS id); BOS/EOS are the tokenizer's post-processor's, or added
here when it has none and the vocabulary knows them. Vectors record ``model_name`` and a ``model_version``
that ends with a hash of the four files, so two different models never share a collection.

Exporting a real model (once, on a machine with torch and network; ``dynamo=False`` for the classic
exporter)::

    # OpenCLIP (also OpenAI's weights: pretrained="openai")
    import open_clip, torch
    model, _, _ = open_clip.create_model_and_transforms("ViT-B-32", pretrained="laion2b_s34b_b79k")
    model.eval()
    class Image(torch.nn.Module):
        def __init__(self, m): super().__init__(); self.m = m
        def forward(self, pixel_values): return self.m.encode_image(pixel_values)
    class Text(Image):
        def forward(self, input_ids): return self.m.encode_text(input_ids)
    n = {0: "n"}
    torch.onnx.export(Image(model), (torch.randn(1, 3, 224, 224),), "image.onnx", opset_version=17,
                      input_names=["pixel_values"], output_names=["image_embeds"],
                      dynamic_axes={"pixel_values": n, "image_embeds": n}, dynamo=False)
    torch.onnx.export(Text(model), (open_clip.tokenize(["a photo"]),), "text.onnx", opset_version=17,
                      input_names=["input_ids"], output_names=["text_embeds"],
                      dynamic_axes={"input_ids": n, "text_embeds": n}, dynamo=False)
    # tokenizer.json: the OpenAI CLIP BPE (what ViT-B/L OpenCLIP models use):
    #   transformers.CLIPTokenizerFast.from_pretrained("openai/clip-vit-base-patch32").save_pretrained(".")
    # config.json: image_size, mean, std from model.visual.preprocess_cfg; context_length from
    #   model.context_length; model_name "ViT-B-32", model_version "laion2b_s34b_b79k".

    # Hugging Face transformers: CLIPVisionModelWithProjection / CLIPTextModelWithProjection, exported the
    # same way with input_names ["pixel_values"] and ["input_ids", "attention_mask"] and output_names
    # ["image_embeds", "last_hidden_state"] / ["text_embeds", "last_hidden_state"]; the processor's
    # image_mean/image_std/crop_size go to config.json; tokenizer.save_pretrained(".") writes tokenizer.json.

Models with another tokenizer or context length (SigLIP, MobileCLIP…) work when their tokenizer.json and
config.json say so; a model whose image preprocessing is not "resize the shorter side, centre crop" gets the
CLIP one anyway.
"""

from __future__ import annotations

from chronotrace_desktop.embedding.clip.engine import ClipFolderEngine, FrameSampler, clip_engine_from_dir
from chronotrace_desktop.embedding.clip.folder import ClipConfig, clip_model_files

__all__ = ["ClipConfig", "ClipFolderEngine", "FrameSampler", "clip_engine_from_dir", "clip_model_files"]
