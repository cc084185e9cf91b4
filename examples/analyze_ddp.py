"""The demo's validation set analysed by several processes: see docs/guide/many-gpus.md.

torchrun --nproc_per_node=2 examples/analyze_ddp.py --out run.npz
"""

import argparse
import os

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler

import segwidget
from segwidget.demo import CLASSES, MEAN, STD, StreetScenes, load_model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="run.npz", help="where rank 0 saves the results")
    parser.add_argument("--images", type=int, default=None, help="how many (default: all 160)")
    args = parser.parse_args()

    cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if cuda else "gloo")
    rank = dist.get_rank()
    device = torch.device("cuda", int(os.environ["LOCAL_RANK"])) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)

    dataset = StreetScenes("valid", n=args.images)
    sampler = DistributedSampler(dataset, shuffle=False)  # each rank gets every world_size-th image
    dl = DataLoader(dataset, batch_size=16, sampler=sampler, num_workers=2)
    # mean/std: every rank shows the images the same way (else each guesses from its first batch)
    results = segwidget.analyze(
        load_model(device), dl, CLASSES, mean=MEAN, std=STD, progress=rank == 0
    )
    if rank == 0:  # rank 0 holds every image; the others hold their own share
        print(results)
        print("saved", results.save(args.out))
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
