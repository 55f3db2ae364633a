#!/bin/sh
# Regenerates every signed test vector under testdata/gateways with openssl,
# independently of feerecon's code. Run from this directory: sh sign.sh
# Secrets (test only, never used anywhere else):
#   vnpay    test_secret                        (the secret of the DOMAIN.md vector)
#   momo     accessKey feerecon-test-access, secretKey feerecon-test-momo-secret
#   zalopay  key2 kLtgPl8HHhfvMuDHPwKfgfsY4Ydm9eIz (ZaloPay's public sandbox key2, as in DOMAIN.md)
#   vietqr   feerecon-test-vietqr-secret-0001
#   camt054  feerecon-test-camt054-secret-001
set -eu

hmac() { # hmac sha256|sha512 key file -> lowercase hex
	openssl dgst "-$1" -hmac "$2" "$3" | sed 's/^.*= //'
}

# VNPay: src/<case>.query is the canonical string (vnp_ keys sorted, PHP
# urlencoded, without the hash); the signed IPN appends the hash fields.
for f in vnpay/src/*.query; do
	c=$(basename "$f")
	sig=$(hmac sha512 test_secret "$f")
	printf '%s&vnp_SecureHashType=HmacSHA512&vnp_SecureHash=%s' "$(cat "$f")" "$sig" >"vnpay/$c"
done
# Variants of the DOMAIN.md vector, made after signing.
v=vnpay/domain_vector.query
sed 's/vnp_Amount=1000000/vnp_Amount=100000000/' $v >vnpay/tampered_amount.query
sed 's/vnp_SecureHash=.*$/vnp_SecureHash=/' $v >vnpay/empty_hash.query
sed 's/&vnp_SecureHashType=HmacSHA512&vnp_SecureHash=.*$//' $v >vnpay/no_hash.query
sed 's/vnp_SecureHashType=HmacSHA512/vnp_SecureHashType=SHA256/' $v >vnpay/hash_type_sha256.query
sed 's/vnp_SecureHash=\(.*\)$/vnp_SecureHash=\U\1/' $v >vnpay/uppercase_hash.query
printf '%s&utm_source=unsigned' "$(cat $v)" >vnpay/extra_unsigned_param.query

# MoMo: src/<case>.signdata is the signed string (accessKey=…&…&transId=…,
# written out from the JSON's literal values); src/<case>.json holds the
# placeholder @SIG@ for the signature.
for f in momo/src/*.json; do
	c=$(basename "$f" .json)
	sig=$(hmac sha256 feerecon-test-momo-secret "momo/src/$c.signdata")
	sed "s/@SIG@/$sig/" "$f" >"momo/$c.json"
done
m=momo/valid.json
sed 's/"amount":150000,/"amount":15000000,/' $m >momo/tampered_amount.json
sed 's/"signature":"[0-9a-f]*"/"signature":""/' $m >momo/empty_signature.json
sed 's/,"signature":"[0-9a-f]*"//' $m >momo/no_signature.json
sed 's/"orderInfo":"[^"]*"/"orderInfo":"Nop le phi ma FR0000000999999999"/' $m >momo/tampered_orderinfo.json

# ZaloPay: src/<case>.data is the data string; mac = HMAC-SHA256(key2, data).
# The envelope is built with jq, which only escapes the string.
K2=kLtgPl8HHhfvMuDHPwKfgfsY4Ydm9eIz
zenv() { # data-file type mac -> envelope on stdout
	jq -nc --rawfile d "$1" --argjson t "$2" --arg mac "$3" '{data:$d,mac:$mac,type:$t}'
}
for f in zalopay/src/*.data; do
	c=$(basename "$f" .data)
	zenv "$f" 1 "$(hmac sha256 $K2 "$f")" >"zalopay/$c.json"
done
z=zalopay/src/docs_sample.data
zenv $z 2 "$(hmac sha256 $K2 $z)" >zalopay/type_agreement.json
zenv $z 7 "$(hmac sha256 $K2 $z)" >zalopay/type_unknown.json
jq -c '.data |= sub("\"amount\":10000,"; "\"amount\":1000000,")' zalopay/docs_sample.json >zalopay/tampered_amount.json
jq -c 'del(.mac)' zalopay/docs_sample.json >zalopay/no_mac.json
jq -c '.mac |= ascii_upcase' zalopay/docs_sample.json >zalopay/uppercase_mac.json
jq -c 'del(.type)' zalopay/docs_sample.json >zalopay/no_type.json

# vietqr and camt054: the signature travels in the X-Feerecon-Signature
# header; <file>.sig holds it, computed over the file's exact bytes.
for f in vietqr/*.json; do
	case $f in *tampered*) continue ;; esac
	hmac sha256 feerecon-test-vietqr-secret-0001 "$f" >"$f.sig"
done
sed 's/"transferAmount": 150000/"transferAmount": 1500000/' vietqr/valid.json >vietqr/tampered_amount.json
cp vietqr/valid.json.sig vietqr/tampered_amount.json.sig
for f in camt054/*.xml; do
	[ -e "$f" ] || continue
	case $f in *tampered*) continue ;; esac
	hmac sha256 feerecon-test-camt054-secret-001 "$f" >"$f.sig"
done
sed 's/<Amt Ccy="VND">150000</<Amt Ccy="VND">1500000</' camt054/vnd_credits_v08.xml >camt054/tampered_amount.xml
cp camt054/vnd_credits_v08.xml.sig camt054/tampered_amount.xml.sig
