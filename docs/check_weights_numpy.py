"""Re-implements the compact CNN's forward pass in NumPy with PyTorch's conventions
(conv weight [out, in, kh, kw], Linear weight [out, in], BatchNorm2d eval with eps 1e-5) and
compares its logits with advlens' on a sample scan. Usage:

    advlens attack --scan sample_data/chest_xray_normal_2.png --attack noise --eps 0 --out /tmp/x
    python3 docs/check_weights_numpy.py assets/models/chest-xray-cnn /tmp/x/original.png /tmp/x/result.json

(the 8-bit original.png is the model input rounded to 1/255, so the check uses
result.json's clean probabilities with a tolerance that covers that rounding).
"""
import json, sys
import numpy as np
from safetensors.numpy import load_file

def conv3x3(x, w):  # x [c, h, w], w [o, c, 3, 3], padding 1, stride 1
    c, h, wd = x.shape
    p = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    out = np.zeros((w.shape[0], h, wd), dtype=np.float64)
    for dy in range(3):
        for dx in range(3):
            out += np.einsum("oc,chw->ohw", w[:, :, dy, dx], p[:, dy:dy + h, dx:dx + wd])
    return out

def batchnorm(x, sd, prefix):
    g, b = sd[prefix + ".weight"], sd[prefix + ".bias"]
    m, v = sd[prefix + ".running_mean"], sd[prefix + ".running_var"]
    return (x - m[:, None, None]) / np.sqrt(v[:, None, None] + 1e-5) * g[:, None, None] + b[:, None, None]

def forward(sd, card, image):
    spec = card["spec"]
    x = image[None].astype(np.float64)
    if spec.get("input_norm", "dataset") == "per-image":
        x = (x - x.mean()) / (x.std() + 1e-3)
    else:
        x = (x - spec["input_mean"]) / spec["input_std"]
    for i in range(4):
        x = np.maximum(batchnorm(conv3x3(x, sd[f"features.{i}.conv.weight"].astype(np.float64)), sd, f"features.{i}.bn"), 0)
        if i < 3:
            c, h, w = x.shape
            x = x.reshape(c, h // 2, 2, w // 2, 2).max(axis=(2, 4))
    pooled = x.mean(axis=(1, 2))
    return sd["classifier.weight"].astype(np.float64) @ pooled + sd["classifier.bias"]

def main(stem, png, result_json):
    from PIL import Image  # only for reading the PNG
    sd = load_file(stem + ".safetensors")
    card = json.load(open(stem + ".json"))
    image = np.asarray(Image.open(png), dtype=np.float64) / 255.0
    logits = forward(sd, card, image)
    probs = np.exp(logits - logits.max()); probs /= probs.sum()
    expected = np.array(json.load(open(result_json))["clean"]["probs"])
    print("numpy (PyTorch layout):", np.round(probs, 4), " advlens:", np.round(expected, 4))
    assert np.abs(probs - expected).max() < 0.02, "layouts disagree"
    print("OK: the weights follow PyTorch's layout")

if __name__ == "__main__":
    main(*sys.argv[1:4])
