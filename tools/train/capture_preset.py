#!/usr/bin/python3
"""Make a trained capture a preset of ssm-model: an LV2 preset bundle whose
state names the model file (ssm-model's model#file), so every LV2 host
lists it by name: a DAW's preset menu, jalv -p, ssm-render -p
http://ssmaudio.org/plugins/model:"LABEL". The model file is copied into
the bundle (the preset then moves with it); the bundle goes under ~/.lv2 by
default, where hosts look.

Usage: capture_preset.py MODEL.safetensors "My amp" [--lv2-dir ~/.lv2] [--bundle my-amp]
"""
import argparse
import os
import re
import shutil

PLUGIN = "http://ssmaudio.org/plugins/model"


def turtle_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("label", help="the preset's name in the host")
    ap.add_argument("--lv2-dir", default=os.path.expanduser("~/.lv2"))
    ap.add_argument("--bundle", default=None, help="bundle name (default: from the label)")
    args = ap.parse_args()
    if not os.path.isfile(args.model):
        raise SystemExit(f"{args.model}: no such model file")
    slug = args.bundle or re.sub(r"[^a-z0-9]+", "-", args.label.lower()).strip("-") or "capture"
    bundle = os.path.join(args.lv2_dir, f"ssm-capture-{slug}.lv2")
    if os.path.exists(bundle):
        raise SystemExit(f"{bundle} exists: pick another --bundle (nothing was overwritten)")
    os.makedirs(bundle)
    model = f"{slug}.safetensors"
    shutil.copyfile(args.model, os.path.join(bundle, model))
    uri = f"urn:ssmaudio:capture:{slug}"
    with open(os.path.join(bundle, "manifest.ttl"), "w") as f:
        f.write("@prefix lv2:  <http://lv2plug.in/ns/lv2core#> .\n"
                "@prefix pset: <http://lv2plug.in/ns/ext/presets#> .\n"
                "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\n"
                f"<{uri}>\n\ta pset:Preset ;\n\tlv2:appliesTo <{PLUGIN}> ;\n"
                "\trdfs:seeAlso <preset.ttl> .\n")
    # The path is relative to the bundle: lilv makes it absolute on load.
    with open(os.path.join(bundle, "preset.ttl"), "w") as f:
        f.write("@prefix atom:  <http://lv2plug.in/ns/ext/atom#> .\n"
                "@prefix lv2:   <http://lv2plug.in/ns/lv2core#> .\n"
                "@prefix pset:  <http://lv2plug.in/ns/ext/presets#> .\n"
                "@prefix rdfs:  <http://www.w3.org/2000/01/rdf-schema#> .\n"
                "@prefix state: <http://lv2plug.in/ns/ext/state#> .\n\n"
                f"<{uri}>\n\ta pset:Preset ;\n\tlv2:appliesTo <{PLUGIN}> ;\n"
                f"\trdfs:label {turtle_string(args.label)} ;\n"
                "\tlv2:port [ lv2:symbol \"bundled\" ; pset:value 0.0 ] ,\n"
                "\t\t[ lv2:symbol \"in_gain\" ; pset:value 0.0 ] ,\n"
                "\t\t[ lv2:symbol \"out_gain\" ; pset:value 0.0 ] ;\n"
                f"\tstate:state [ <{PLUGIN}#file> <{model}> ] .\n")
    print(bundle)


if __name__ == "__main__":
    main()
