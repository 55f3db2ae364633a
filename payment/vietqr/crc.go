package vietqr

// CRC16 computes CRC-16/CCITT-FALSE: polynomial 0x1021, initial value
// 0xFFFF, no input or output reflection, no final XOR. The check value of
// "123456789" is 0x29B1.
func CRC16(data []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, b := range data {
		crc ^= uint16(b) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

const hexUpper = "0123456789ABCDEF"

// crcHex returns the CRC of s as the 4 uppercase hex digits field 63 carries.
func crcHex(s string) string {
	c := CRC16([]byte(s))
	return string([]byte{hexUpper[c>>12], hexUpper[c>>8&0xF], hexUpper[c>>4&0xF], hexUpper[c&0xF]})
}
