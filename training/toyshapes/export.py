"""Writes the model package (diffusers folder layout, one model.onnx per component; see the package contract)."""
import json
import os
import shutil

import numpy as np
import onnx
import torch

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]
DIFFUSERS_VERSION = "0.23.0"


def _json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def onnx_export(module, args, path, inputs, outputs):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    module = module.eval()
    dyn = {n: {0: "batch"} for n in inputs + outputs}
    with torch.no_grad():
        torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs, dynamic_axes=dyn,
                          opset_version=17, do_constant_folding=True)
    m = onnx.load(path)
    # state every output's static shape (dim 0 "batch"), as the tracer leaves some of them symbolic
    with torch.no_grad():
        res = module(*args)
    res = res if isinstance(res, tuple) else (res,)
    for v, r in zip(m.graph.output, res):
        dims = v.type.tensor_type.shape.dim
        while len(dims) < r.dim():
            dims.add()
        for i, d in enumerate(dims):
            if i == 0:
                d.dim_param = "batch"
            else:
                d.dim_value = r.shape[i]
    onnx.save(m, path)
    onnx.checker.check_model(m)
    for v in list(m.graph.input) + list(m.graph.output):
        dims = v.type.tensor_type.shape.dim
        assert dims[0].dim_param == "batch", (path, v.name)
        assert all(d.dim_value > 0 for d in dims[1:]), (path, v.name)
    got = [v.name for v in m.graph.input]
    assert got == inputs, (path, got)


def scheduler_config(prediction, variance, clip_range):
    return {
        "_class_name": "UnCLIPScheduler",
        "_diffusers_version": DIFFUSERS_VERSION,
        "beta_schedule": "squaredcos_cap_v2",
        "clip_sample": True,
        "clip_sample_range": clip_range,
        "num_train_timesteps": 1000,
        "prediction_type": prediction,
        "variance_type": variance,
    }


def export_package(out, cfg, tok, tenc, ienc, prior, clip_mean, clip_std, tproj, dec, sr_first, sr_last):
    """cfg: the sizes used in training (dict); modules in eval mode with their final (EMA) weights."""
    tmp = out.rstrip("/") + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    L, W, D = cfg["max_len"], cfg["text_width"], cfg["embed_dim"]
    cross, ted, extra = cfg["cross_dim"], cfg["dec_channels"][0] * 4, tproj.extra
    S, S2 = cfg["dec_size"], cfg["sr_size"]
    B = 2
    arch = "toy-shapes: a small network with the same inputs and outputs as this class (see README.md); fields below give its sizes"

    index = {"_class_name": "UnCLIPPipeline", "_diffusers_version": DIFFUSERS_VERSION}
    for k, v in {
        "decoder": ["diffusers", "UNet2DConditionModel"],
        "decoder_scheduler": ["diffusers", "UnCLIPScheduler"],
        "feature_extractor": ["transformers", "CLIPImageProcessor"],
        "image_encoder": ["transformers", "CLIPVisionModelWithProjection"],
        "prior": ["diffusers", "PriorTransformer"],
        "prior_scheduler": ["diffusers", "UnCLIPScheduler"],
        "super_res_first": ["diffusers", "UNet2DModel"],
        "super_res_last": ["diffusers", "UNet2DModel"],
        "super_res_scheduler": ["diffusers", "UnCLIPScheduler"],
        "text_encoder": ["transformers", "CLIPTextModelWithProjection"],
        "text_proj": ["unclip", "UnCLIPTextProjModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
    }.items():
        index[k] = v
    if cfg.get("pipeline_defaults"):
        # the model's own defaults for the pipeline call (diffusers skips keys starting with "_")
        index["_pipeline_defaults"] = cfg["pipeline_defaults"]
    _json(f"{tmp}/model_index.json", index)
    tok.save(f"{tmp}/tokenizer")

    ids = torch.tensor([tok.encode("a red circle")[0], tok.encode("")[0]])
    _json(f"{tmp}/text_encoder/config.json", {
        "architectures": ["CLIPTextModelWithProjection"], "model_type": "clip_text_model", "_toy_architecture": arch,
        "hidden_size": W, "projection_dim": D, "max_position_embeddings": L, "vocab_size": len(tok.vocab),
        "num_hidden_layers": cfg["text_layers"], "num_attention_heads": 4, "intermediate_size": 4 * W,
        "bos_token_id": tok.sot, "eos_token_id": tok.eot, "pad_token_id": tok.eot, "torch_dtype": "float32",
    })
    onnx_export(tenc, (ids,), f"{tmp}/text_encoder/model.onnx", ["input_ids"], ["text_embeds", "last_hidden_state"])

    px = torch.randn(B, 3, cfg["clip_size"], cfg["clip_size"])
    _json(f"{tmp}/image_encoder/config.json", {
        "architectures": ["CLIPVisionModelWithProjection"], "model_type": "clip_vision_model", "_toy_architecture": arch + " (a CNN)",
        "image_size": cfg["clip_size"], "num_channels": 3, "projection_dim": D, "hidden_size": 128, "torch_dtype": "float32",
    })
    onnx_export(ienc, (px,), f"{tmp}/image_encoder/model.onnx", ["pixel_values"], ["image_embeds", "last_hidden_state"])
    _json(f"{tmp}/feature_extractor/preprocessor_config.json", {
        "crop_size": {"height": cfg["clip_size"], "width": cfg["clip_size"]}, "do_center_crop": True, "do_convert_rgb": True,
        "do_normalize": True, "do_rescale": True, "do_resize": True, "image_mean": CLIP_MEAN, "image_std": CLIP_STD,
        "image_processor_type": "CLIPImageProcessor", "resample": 3, "rescale_factor": 1 / 255,
        "size": {"shortest_edge": cfg["clip_size"]}, "use_square_size": False,
    })

    hs, te = torch.randn(B, L, W), torch.randn(B, D)
    mask = torch.tensor([[True] * 5 + [False] * (L - 5), [True] * 2 + [False] * (L - 2)])
    t = torch.tensor([999, 10], dtype=torch.int64)
    _json(f"{tmp}/prior/config.json", {
        "_class_name": "PriorTransformer", "_diffusers_version": DIFFUSERS_VERSION, "_toy_architecture": arch + " (a residual MLP)",
        "embedding_dim": D, "num_embeddings": L, "additional_embeddings": 0, "encoder_hid_proj_type": "linear",
        "width": cfg["prior_width"], "num_layers": cfg["prior_blocks"],
    })
    onnx_export(prior, (torch.randn(B, D), t, te, hs, mask), f"{tmp}/prior/model.onnx",
                ["hidden_states", "timestep", "proj_embedding", "encoder_hidden_states", "attention_mask"], ["predicted_image_embedding"])
    np.save(f"{tmp}/prior/clip_mean.npy", clip_mean.reshape(1, D).numpy().astype(np.float32))
    np.save(f"{tmp}/prior/clip_std.npy", clip_std.reshape(1, D).numpy().astype(np.float32))
    _json(f"{tmp}/prior_scheduler/scheduler_config.json", scheduler_config("sample", "fixed_small_log", cfg["prior_clip_range"]))

    _json(f"{tmp}/text_proj/config.json", {
        "_class_name": "UnCLIPTextProjModel", "_diffusers_version": DIFFUSERS_VERSION,
        "clip_embeddings_dim": D, "clip_extra_context_tokens": extra, "cross_attention_dim": cross, "time_embed_dim": ted,
    })
    onnx_export(tproj, (torch.randn(B, D), te, hs), f"{tmp}/text_proj/model.onnx",
                ["image_embeddings", "prompt_embeds", "text_encoder_hidden_states"], ["encoder_hidden_states", "additive_clip_time_embeddings"])
    np.save(f"{tmp}/text_proj/learned_classifier_free_guidance_embeddings.npy", tproj.learned_cfg.detach().numpy().astype(np.float32))

    dmask = torch.cat([torch.ones(B, extra, dtype=torch.bool), mask], 1)
    _json(f"{tmp}/decoder/config.json", {
        "_class_name": "UNet2DConditionModel", "_diffusers_version": DIFFUSERS_VERSION, "_toy_architecture": arch,
        "sample_size": S, "in_channels": 3, "out_channels": 6, "block_out_channels": list(cfg["dec_channels"]),
        "layers_per_block": 1, "cross_attention_dim": cross, "class_embed_type": "identity", "time_embedding_dim": None,
        "attention_head_dim": cfg["dec_channels"][-1] // dec.mid_attn.heads, "mid_block_type": "UNetMidBlock2DSimpleCrossAttn",
        "resnet_time_scale_shift": "scale_shift", "norm_num_groups": 8, "flip_sin_to_cos": True, "freq_shift": 0,
    })
    onnx_export(dec, (torch.randn(B, 3, S, S), t, torch.randn(B, L + extra, cross), torch.randn(B, ted), dmask),
                f"{tmp}/decoder/model.onnx", ["sample", "timestep", "encoder_hidden_states", "class_labels", "attention_mask"], ["noise_pred"])
    _json(f"{tmp}/decoder_scheduler/scheduler_config.json", scheduler_config("epsilon", "learned_range", 1.0))

    for name, m in (("super_res_first", sr_first), ("super_res_last", sr_last)):
        _json(f"{tmp}/{name}/config.json", {
            "_class_name": "UNet2DModel", "_diffusers_version": DIFFUSERS_VERSION, "_toy_architecture": arch,
            "sample_size": S2, "in_channels": 6, "out_channels": 3, "block_out_channels": list(cfg["sr_channels"]),
            "layers_per_block": 1, "add_attention": False, "norm_num_groups": 8, "resnet_time_scale_shift": "scale_shift",
            "flip_sin_to_cos": True, "freq_shift": 0,
        })
        onnx_export(m, (torch.randn(B, 6, S2, S2), t), f"{tmp}/{name}/model.onnx", ["sample", "timestep"], ["noise_pred"])
    _json(f"{tmp}/super_res_scheduler/scheduler_config.json", scheduler_config("epsilon", "fixed_small_log", 1.0))

    # keep files that are not generated here (the model card, the contact sheet)
    if os.path.isdir(out):
        for keep in ("README.md", "contact-sheet.png"):
            if os.path.exists(f"{out}/{keep}"):
                shutil.copy(f"{out}/{keep}", f"{tmp}/{keep}")
        shutil.rmtree(out)
    os.rename(tmp, out)
