package meter

import "testing"

func TestKindOfAdapter(t *testing.T) {
	for _, c := range []struct {
		name   string
		ifType uint32
		flags  uint8
		want   Kind
	}{
		{"Ethernet", 6, ifHardwareInterface, Physical},
		{"Wi-Fi", 71, ifHardwareInterface, Physical},
		{"Loopback Pseudo-Interface 1", ifTypeSoftwareLoopback, 0, Loopback},
		{"vEthernet (WSL)", 6, 0, Virtual}, // Hyper-V switch: no hardware
		{"ifb0", 6, 0, Virtual},            // named like nothing Windows knows
		{"Local Area Connection* 3", 6, ifHardwareInterface | 1<<1, Physical},
		{"Teredo Tunneling Pseudo-Interface", ifTypeTunnel, 0, Virtual},
		{"OpenVPN TAP-Windows6", 6, 0, Virtual},
		{"Npcap Loopback Adapter", ifTypePropVirtual, 0, Virtual},
		{"Mobile broadband", 243, ifHardwareInterface, Physical},
	} {
		if got := kindOfAdapter(c.ifType, c.flags); got != c.want {
			t.Errorf("%s (type %d, flags %#x): %v, want %v", c.name, c.ifType, c.flags, got, c.want)
		}
	}
}

func TestClassifyByName(t *testing.T) {
	for name, want := range map[string]Kind{"lo0": Loopback, "utun3": Virtual, "en0": Physical, "vEthernet (Default Switch)": Virtual, "Loopback Pseudo-Interface 1": Loopback} {
		if got := classifyByName(name); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}
