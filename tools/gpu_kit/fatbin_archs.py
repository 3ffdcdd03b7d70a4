"""Lists the device code an executable carries, from its .nv_fatbin section, as cuobjdump --list-elf
and --list-ptx would (verify_kit.sh uses it where the toolkit has no cuobjdump):

    python3 tools/gpu_kit/fatbin_archs.py SECTION_FILE     ->  lines "elf sm_75", "ptx sm_90", ...

SECTION_FILE is the raw section (objcopy -O binary --only-section=.nv_fatbin EXE SECTION_FILE).
The section is a run of fat binaries, each a 16-byte header (magic 0xBA55ED50, version, header
size, size of what follows) and entries, each starting with its kind (1 PTX, 2 ELF), its header
size, its payload size, and at byte 28 the architecture (75 for sm_75).
"""
import struct
import sys

MAGIC = 0xBA55ED50


def main():
    data = open(sys.argv[1], "rb").read()
    found, pos = set(), 0
    while pos + 16 <= len(data):
        magic, _version, header_size, fat_size = struct.unpack_from("<IHHQ", data, pos)
        if magic != MAGIC:  # sections are padded between fat binaries
            pos += 8
            continue
        entry, end = pos + header_size, pos + header_size + fat_size
        while entry + 32 <= end:
            kind, _flags, entry_header, payload = struct.unpack_from("<HHIQ", data, entry)
            (arch,) = struct.unpack_from("<I", data, entry + 28)
            if kind in (1, 2) and 10 <= arch < 1000:
                found.add(("ptx" if kind == 1 else "elf", arch))
            if entry_header == 0:
                break
            entry += entry_header + payload
        pos = end
    if not found:
        sys.exit("fatbin_archs: no device code found in the .nv_fatbin section")
    for kind, arch in sorted(found):
        print(f"{kind} sm_{arch}")


if __name__ == "__main__":
    main()
