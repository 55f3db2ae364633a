#!/usr/bin/env python3
"""Writes the demo day (testdata/demo): fee notices of Nghệ An agencies as the
procedure systems post them, and the payment events the gateways send for
them. Payment codes are those the API issues in posting order (serials
1, 2, …), computed here independently of the Go code (ISO 7064 MOD 97-10).
Deterministic: run `python3 testdata/demo/gen.py` to rewrite the files."""
import json, random

rng = random.Random(2026)

def code(serial, prefix="NP"):
    body = "%s%010d" % (prefix, serial)
    num = int("".join(str(ord(c) - 55) if c.isalpha() else c for c in body + "00"))
    return body + "%02d" % (98 - num % 97)

agencies = [("H40.01", "000.00.20.H40", "3511.0.1055555", "Sở Tư pháp Nghệ An"),
            ("H40.12", "000.12.30.H40", "3511.0.1066666", "UBND TP Vinh"),
            ("H40.25", "000.25.31.H40", "3511.0.1077777", "UBND huyện Diễn Châu")]
fees = [("Lệ phí hộ tịch", "le_phi", "2771", 8000), ("Phí chứng thực", "phi", "2716", 50000),
        ("Lệ phí cư trú", "le_phi", "2767", 20000), ("Lệ phí lý lịch tư pháp", "le_phi", "2764", 200000),
        ("Phí thẩm định hồ sơ đất", "phi", "2627", 750000), ("Phí công chứng", "phi", "2715", 150000)]
names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Võ Thị Hoa",
         "Đặng Quốc Khánh", "Bùi Thị Lan", "Hồ Văn Minh", "Ngô Thị Ngọc", "Dương Văn Phúc", "Đỗ Thị Quyên"]

def fold(s):
    table = str.maketrans("àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđÀÁẠẢÃÂẦẤẬẨẪĂẰẮẶẲẴÈÉẸẺẼÊỀẾỆỂỄÌÍỊỈĨÒÓỌỎÕÔỒỐỘỔỖƠỜỚỢỞỠÙÚỤỦŨƯỪỨỰỬỮỲÝỴỶỸĐ",
                          "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyydAAAAAAAAAAAAAAAAAEEEEEEEEEEEIIIIIOOOOOOOOOOOOOOOOOUUUUUUUUUUUYYYYYD")
    return s.translate(table)

notices = []
for i in range(1, 41):
    ag = agencies[i % 3]
    items = rng.sample(fees, rng.choice([1, 1, 2]))
    total = sum(f[3] for f in items)
    hour = 7 + i % 4
    notices.append({
        "notice_id": "TB-2026-%05d" % (1000 + i), "dossier_code": "%s-261126-%04d" % (ag[1], i),
        "agency_code": ag[0], "payer_name": rng.choice(names),
        "items": [{"fee_type": f[0], "kind": f[1], "amount": {"amount": str(f[3]), "currency": "VND"},
                   "budget_chapter": "599", "budget_subitem": f[2]} for f in items],
        "amount": {"amount": str(total), "currency": "VND"},
        "issued_at": "2026-11-26T%02d:%02d:00+07:00" % (hour, i % 60),
        "due_at": "2026-11-30T17:00:00+07:00", "treasury_account": ag[2],
        "_code": code(i),
    })

payments = []
def pay(gw, n, amount, desc, minute, payer=None, acct="0071000%06d"):
    k = len(payments) + 1
    payer = payer or fold(n["payer_name"]).upper() if n else (payer or "NGUYEN VAN TU")
    payments.append({
        "payment_id": "", "gateway": gw, "gateway_txn_id": "%s%08d" % ({"vietqr": "", "camt054": "FT26330", "vnpay": "", "momo": "", "zalopay": ""}[gw], 14420000 + k),
        "amount": str(amount), "currency": "VND",
        "paid_at": "2026-11-26T%02d:%02d:%02d+07:00" % (9 + minute // 60, minute % 60, k % 60),
        "description": desc, "payer_name": payer, "payer_account": acct % (100000 + k)})

gws = ["vietqr", "camt054", "vnpay", "momo", "zalopay"]
for i, n in enumerate(notices[:24]):  # paid exactly, in the shapes banks write
    c, amt = n["_code"], int(n["amount"]["amount"])
    shapes = [c + " LE PHI", "MBVCB.%d.%s nop phi.CT tu 0071000%06d %s toi 3511055555" % (3278614134 + i, c, i, fold(n["payer_name"]).upper()),
              "Thanh toan phi ho so " + c, "%s %s %s" % (c[:2], c[2:8], c[8:]), "nop le phi " + c.lower(),
              "IBFT " + c[2:] + " " + fold(n["payer_name"]), "REM Tfr Ref " + c + " nop phi",
              "Thanh toán lệ phí cho hồ sơ " + n["dossier_code"]]
    pay(gws[i % 5], n, amt, shapes[i % len(shapes)], 2 * i)
n = notices[24]; half = int(n["amount"]["amount"]) // 2          # instalments
pay("momo", n, half, "Dot 1 " + n["_code"], 60); pay("momo", n, int(n["amount"]["amount"]) - half, "Dot 2 " + n["_code"], 62)
n = notices[25]; pay("vietqr", n, int(n["amount"]["amount"]) + 10000, n["_code"] + " thua", 64)  # overpaid
n = notices[26]; pay("vnpay", n, int(n["amount"]["amount"]), n["_code"], 66); pay("zalopay", n, int(n["amount"]["amount"]), "nop lai " + n["_code"], 68)  # duplicate
a, b = notices[27], notices[28]                                      # two notices, one transfer
pay("camt054", a, int(a["amount"]["amount"]) + int(b["amount"]["amount"]), "%s va %s" % (a["_code"], b["_code"]), 70)
n = notices[29]; c = n["_code"]  # look-alikes: O and o typed for 0, l for 1
c = c[:4] + "O" + c[5:7] + "o" + c[8:]
if "1" in c[2:]:
    i = c.index("1", 2); c = c[:i] + "l" + c[i + 1:]
pay("vietqr", n, int(n["amount"]["amount"]), c, 72)
n = notices[30]; c = n["_code"]; typo = c[:-3] + str((int(c[-3]) + 1) % 10) + c[-2:]
pay("camt054", n, int(n["amount"]["amount"]), "nop phi " + typo, 74)  # typo: the check digits refuse it
n = notices[31]; pay("momo", n, int(n["amount"]["amount"]), "chuyen tien le phi", 76)  # no reference
n = notices[32]; pay("vietqr", n, int(n["amount"]["amount"]), n["_code"] + " (notice cancelled)", 78)  # cancelled
for p in payments:
    p["payment_id"] = p["gateway"] + ":" + p["gateway_txn_id"]

with open("notices.jsonl", "w") as f:
    for n in notices:
        f.write(json.dumps({k: v for k, v in n.items() if not k.startswith("_")}, ensure_ascii=False) + "\n")
with open("payments.jsonl", "w") as f:
    for p in payments:
        f.write(json.dumps(p, ensure_ascii=False) + "\n")
with open("cancel.txt", "w") as f:
    f.write(notices[32]["notice_id"] + "\n")
print(len(notices), "notices,", len(payments), "payments")
