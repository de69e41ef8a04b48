"""The PyTorch side of advlens' like-for-like benchmark (`advlens bench --operations`).

Loads advlens' shipped safetensors into the PyTorch modules of docs/weights.md and times the
same operations on the same bundled scan at batch sizes 1, 16 and 64, each the median of
--runs runs after one warm-up, in milliseconds per batch, with the result read back to the
host (so a CUDA figure includes its synchronisation):

- forward: one no-grad inference pass, probabilities to the host;
- input gradient: forward + backward to the input's cross-entropy gradient, nothing else;
- FGSM as torchattacks defines it: one forward, one backward, x + eps*sign(g) clamped;
- PGD step: one such step plus the projection onto the eps-ball and the clamp;
- PGD-20: a uniform random start and 20 steps, no final forward (torchattacks' PGD);
- Grad-CAM: pytorch-grad-cam's recipe on the last convolutional block, one map per image.

With --evaluation it times `advlens bench --evaluation`'s work instead: scans per second of
the clean judgement, FGSM or PGD-20 at 8/255 and the judgement of the result over the first
test scans of the model's data set (../shared/datasets), at each batch size.

Not run by CI or the tests: run it by hand in a virtual environment kept outside the repo
(torch, safetensors, numpy, pillow), or through bench/compare.py, which alternates it with
advlens and prints the ratios. Usage:

    python3 bench/pytorch_reference.py --device cpu --threads 2 --json /tmp/pytorch.json
"""
import argparse
import json
import os
import platform
import statistics
import time

import numpy as np
import torch
import torchvision
from PIL import Image
from safetensors.torch import load_file
from torch import nn
from torch.nn import functional as F

EPS = 8 / 255
PGD_STEP = 2 / 255
PGD_STEPS = 20
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def normalize(x, spec):
    if spec.get("input_norm", "dataset") == "per-image":
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        std = x.std(dim=(1, 2, 3), keepdim=True, unbiased=False)
        return (x - mean) / (std + 1e-3)
    return (x - spec["input_mean"]) / spec["input_std"]


class ConvBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(cout)


class CompactCnn(nn.Module):
    def __init__(self, classes, spec, widths=(16, 24, 48, 64)):
        super().__init__()
        chans = (1,) + tuple(widths)
        self.features = nn.ModuleList(ConvBlock(chans[i], chans[i + 1]) for i in range(4))
        self.classifier = nn.Linear(widths[-1], classes)
        self.spec = spec

    def last_block(self, x):
        x = normalize(x, self.spec)
        for i, block in enumerate(self.features):
            x = torch.relu(block.bn(block.conv(x)))
            if i < len(self.features) - 1:
                x = F.max_pool2d(x, 2)
        return x

    def head(self, features):
        return self.classifier(features.mean(dim=(2, 3)))

    def forward(self, x):
        return self.head(self.last_block(x))


class ResNet18Gray(torchvision.models.ResNet):
    def __init__(self, classes, spec):
        super().__init__(torchvision.models.resnet.BasicBlock, [2, 2, 2, 2], num_classes=classes)
        self.conv1 = nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.spec = spec

    def last_block(self, x):
        x = normalize(x, self.spec)
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))

    def head(self, features):
        return self.fc(torch.flatten(self.avgpool(features), 1))

    def forward(self, x):
        return self.head(self.last_block(x))


def load_model(stem, device):
    card = json.load(open(stem + ".json"))
    spec = card["spec"]
    arch = spec.get("arch", spec.get("architecture"))
    build = {"compact-cnn": CompactCnn, "resnet18": ResNet18Gray}[arch]
    model = build(len(card["classes"]), spec)
    state = {k: v.float() for k, v in load_file(stem + ".safetensors").items()}
    model.load_state_dict(state)
    return card["name"], arch, model.to(device).eval()


def input_gradient(model, x, y):
    x = x.clone().detach().requires_grad_(True)
    loss = F.cross_entropy(model(x), y, reduction="sum")
    return torch.autograd.grad(loss, x)[0]


def pgd_step(model, adv, clean, y):
    adv = adv + PGD_STEP * input_gradient(model, adv, y).sign()
    delta = torch.clamp(adv - clean, -EPS, EPS)
    return torch.clamp(clean + delta, 0, 1).detach()


def pgd20(model, clean, y):
    adv = torch.clamp(clean + torch.empty_like(clean).uniform_(-EPS, EPS), 0, 1)
    for _ in range(PGD_STEPS):
        adv = pgd_step(model, adv, clean, y)
    return adv


def grad_cam(model, x, cls):
    x = x.clone().detach().requires_grad_(True)
    features = model.last_block(x)
    score = model.head(features)[:, cls].sum()
    grads = torch.autograd.grad(score, features)[0]
    weights = grads.mean(dim=(2, 3), keepdim=True)
    cam = torch.relu((weights * features).sum(dim=1, keepdim=True))
    cam = F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)
    low = cam.amin(dim=(2, 3), keepdim=True)
    high = cam.amax(dim=(2, 3), keepdim=True)
    return (cam - low) / (high - low + 1e-7)


def median_ms(runs, work):
    work().cpu()  # warm-up
    times = []
    for _ in range(max(1, runs)):
        started = time.perf_counter()
        work().cpu()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def scan_tensor(path, size, device):
    image = Image.open(path).convert("L").resize((size, size), Image.BILINEAR)
    pixels = np.asarray(image, dtype=np.float32) / 255.0
    return torch.from_numpy(pixels)[None, None].to(device)


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def evaluation(args, models_dir, names, device):
    """Scans per second of `advlens bench --evaluation`'s work in PyTorch + torchattacks' PGD:
    per batch, the clean judgement, the attack at 8/255 (FGSM, or PGD-20 with a random start)
    and the judgement of its result, on the first test scans of the model's data set."""
    sets = {"chest-xray": "chest_xray_pneumonia_128", "brain-mri": "brain_tumor_mri_128"}
    root = args.datasets or os.path.join(os.path.dirname(REPO), "shared", "datasets")
    print(f"Data-set evaluation in PyTorch {torch.__version__}, {torch.get_num_threads()} "
          f"threads: the first {args.evaluation_scans} test scans, eps = 8/255, median of "
          f"{args.runs} runs after one warm-up, scans per second\n")
    print("| model | attack | " + " | ".join(f"batch {b}" for b in args.batches) + " |")
    print("|---|---|" + "---:|" * len(args.batches))
    for name in names:
        card = json.load(open(os.path.join(models_dir, name + ".json")))
        folder = sets[card["spec"]["task"]]
        data = np.load(os.path.join(root, folder, folder + ".npz"))
        images = torch.from_numpy(data["test_images"][: args.evaluation_scans].astype(np.float32) / 255.0)
        labels = torch.from_numpy(data["test_labels"][: args.evaluation_scans].astype(np.int64))
        images, labels = images[:, None].to(device), labels.to(device)
        _, _, model = load_model(os.path.join(models_dir, name), device)
        for p in model.parameters():
            p.requires_grad_(False)
        attacks = {
            "FGSM": lambda x, y: torch.clamp(x + EPS * input_gradient(model, x, y).sign(), 0, 1),
            "PGD-20": lambda x, y: pgd20(model, x, y),
        }
        for attack_name, attack in attacks.items():
            def one_pass(batch):
                correct = torch.zeros((), device=device)
                for start in range(0, len(images), batch):
                    x, y = images[start:start + batch], labels[start:start + batch]
                    with torch.no_grad():
                        clean = model(x).argmax(1)
                    adversarial = attack(x, y)
                    with torch.no_grad():
                        correct += (model(adversarial).argmax(1) == y).sum() + (clean == y).sum()
                return correct
            cells = []
            for batch in args.batches:
                ms = median_ms(args.runs, lambda: one_pass(batch))
                cells.append(f"{len(images) / (ms / 1000):.1f}")
            print(f"| {name} | {attack_name} | " + " | ".join(cells) + " |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--models", default=None, help="comma-separated model names (default: all)")
    parser.add_argument("--json", default=None, help="also write the table here")
    parser.add_argument("--batch-sizes", default="1,16,64", help="comma-separated")
    parser.add_argument("--evaluation", action="store_true",
                        help="time the data-set evaluation instead (scans per second)")
    parser.add_argument("--evaluation-scans", type=int, default=64)
    parser.add_argument("--datasets", default=None,
                        help="data-set folder (default: ../shared/datasets beside the repo)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    models_dir = os.path.join(REPO, "assets", "models")
    names = sorted(f[:-5] for f in os.listdir(models_dir) if f.endswith(".json"))
    if args.models:
        wanted = args.models.split(",")
        names = [name for name in names if name in wanted]
    args.batches = [int(size) for size in args.batch_sizes.split(",")]
    if args.evaluation:
        evaluation(args, models_dir, names, device)
        return
    scan = os.path.join(REPO, "sample_data", "chest_xray_normal_2.png")
    described = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"PyTorch {torch.__version__} on {described} — CPU {cpu_model()}, "
          f"{torch.get_num_threads()} threads; median of {args.runs} runs after one warm-up, "
          f"ms per batch; eps = 8/255, PGD step 2/255\n")
    print("| model | batch | forward | input gradient | FGSM | PGD step | PGD-20 | Grad-CAM |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for name in names:
        if not os.path.exists(os.path.join(models_dir, name + ".safetensors")):
            continue
        name, arch, model = load_model(os.path.join(models_dir, name), device)
        for p in model.parameters():
            p.requires_grad_(False)
        single = scan_tensor(scan, 128, device)
        for batch in args.batches:
            x = single.repeat(batch, 1, 1, 1)
            y = torch.zeros(batch, dtype=torch.long, device=device)
            start = torch.clamp(x + torch.empty_like(x).uniform_(-EPS, EPS), 0, 1)
            with torch.no_grad():
                forward = median_ms(args.runs, lambda: torch.softmax(model(x), dim=1))
            row = {
                "model": name, "architecture": arch, "batch": batch, "forward": forward,
                "input_gradient": median_ms(args.runs, lambda: input_gradient(model, x, y)),
                "fgsm": median_ms(args.runs, lambda: torch.clamp(
                    x + EPS * input_gradient(model, x, y).sign(), 0, 1)),
                "pgd_step": median_ms(args.runs, lambda: pgd_step(model, start, x, y)),
                "pgd20": median_ms(min(args.runs, 5), lambda: pgd20(model, x, y)),
                "grad_cam": median_ms(args.runs, lambda: grad_cam(model, x, 0)),
            }
            rows.append(row)
            print(f"| {name} | {batch} | {row['forward']:.2f} | {row['input_gradient']:.2f} | "
                  f"{row['fgsm']:.2f} | {row['pgd_step']:.2f} | {row['pgd20']:.1f} | "
                  f"{row['grad_cam']:.2f} |", flush=True)
    if args.json:
        report = {"tool": "pytorch", "version": torch.__version__, "device": described,
                  "cpu": cpu_model(), "threads": torch.get_num_threads(), "runs": args.runs,
                  "rows": rows}
        with open(args.json, "w") as out:
            json.dump(report, out, indent=2)


if __name__ == "__main__":
    main()
