"""Runs advlens' and PyTorch's like-for-like benchmarks in one go, alternating, and prints the
ratios advlens / PyTorch (below 1.0: advlens is faster).

Each round runs `advlens bench --operations` and then bench/pytorch_reference.py with the same
thread count, device, models and runs; a figure is the median over the rounds of each tool's
medians. Not run by CI or the tests (it needs PyTorch). Usage, on the CPU with two threads:

    python3 bench/compare.py --advlens target/release/advlens --device cpu --threads 2 \
        --rounds 2 --out /tmp/compare

and on a GPU (`--device gpu`: advlens on Burn's wgpu backend, PyTorch on CUDA).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

OPERATIONS = ("forward", "input_gradient", "fgsm", "pgd_step", "pgd20", "grad_cam")
HEADINGS = ("forward", "input gradient", "FGSM", "PGD step", "PGD-20", "Grad-CAM")
HERE = os.path.dirname(os.path.abspath(__file__))


def run_advlens(args, path):
    env = dict(os.environ)
    if args.threads:
        env["RAYON_NUM_THREADS"] = str(args.threads)
    command = [args.advlens, "bench", "--operations", "--device", args.device,
               "--runs", str(args.runs), "--json", path]
    if args.model:
        command += ["--model", args.model]
    command += ["--batch-sizes", args.batch_sizes]
    subprocess.run(command, check=True, env=env, stdout=sys.stderr)


def run_pytorch(args, path):
    command = [args.python, os.path.join(HERE, "pytorch_reference.py"),
               "--device", "cuda" if args.device == "gpu" else "cpu",
               "--runs", str(args.runs), "--json", path]
    if args.threads:
        command += ["--threads", str(args.threads)]
    if args.model:
        command += ["--models", args.model]
    command += ["--batch-sizes", args.batch_sizes]
    subprocess.run(command, check=True, stdout=sys.stderr)


def medians(reports):
    """(model, batch) -> operation -> median over rounds."""
    table = {}
    for report in reports:
        for row in report["rows"]:
            cell = table.setdefault((row["model"], row["batch"]), {})
            for op in OPERATIONS:
                cell.setdefault(op, []).append(row[op])
    return {key: {op: statistics.median(values) for op, values in ops.items()}
            for key, ops in table.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--advlens", required=True, help="the advlens binary")
    parser.add_argument("--python", default=sys.executable, help="a Python with torch")
    parser.add_argument("--device", default="cpu", choices=("cpu", "gpu"))
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--model", default=None,
                        help="comma-separated model names (default: all shipped)")
    parser.add_argument("--batch-sizes", default="1,16,64", help="comma-separated")
    parser.add_argument("--out", default=".", help="folder for the JSON of every run")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    ours, theirs = [], []
    for round_index in range(args.rounds):
        for tool, runner, kept in (("advlens", run_advlens, ours), ("pytorch", run_pytorch, theirs)):
            path = os.path.join(args.out, f"{tool}-{args.device}-{round_index}.json")
            runner(args, path)
            kept.append(json.load(open(path)))
    ours_median, theirs_median = medians(ours), medians(theirs)
    print(f"advlens on {ours[0]['device']} vs PyTorch {theirs[0]['version']} on "
          f"{theirs[0]['device']}; CPU {ours[0]['cpu']}, {ours[0]['threads']} / "
          f"{theirs[0]['threads']} threads; median over {args.rounds} alternating rounds of "
          f"medians of {args.runs} runs\n")
    print("ms per batch as advlens / PyTorch, and the ratio\n")
    print("| model | batch | " + " | ".join(HEADINGS) + " |")
    print("|---|---:|" + "---:|" * len(HEADINGS))
    for key in sorted(ours_median, key=lambda k: (k[0], k[1])):
        if key not in theirs_median:
            continue
        cells = []
        for op in OPERATIONS:
            a, p = ours_median[key][op], theirs_median[key][op]
            cells.append(f"{a:.2f} / {p:.2f} = **{a / p:.2f}×**")
        print(f"| {key[0]} | {key[1]} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
