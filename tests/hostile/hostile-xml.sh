# hostile-xml.sh: the hostile domain XML battery (sourced): XXE, external and network
# DTDs, billion laughs, deep nesting, 100 MB, NUL bytes, invalid and overlong UTF-8,
# absurd numbers.  tests/hostile/hostile-input.sh feeds it to `fwneg plan`,
# tests/hook/hook-bad-conditions.sh to the libvirt hook on stdin.
#
#   hostile_xml_battery DIR     writes DIR/NAME.xml for every NAME in HOSTILE_XML_NAMES
#                               (and DIR/evil.dtd, a FIFO that blocks whoever opens it)
#   domain NAME BODY…           a valid domain around BODY (so each case differs in one thing)

HOSTILE_XML_NAMES=(xxe external-dtd net-dtd laughs deep big nul utf8 overlong order-ok order-huge
    order-neg order-max slot-huge bus-huge dom-huge menu mem)

# A valid domain around BODY (devices etc.), so each case differs in one thing.
domain() { # domain NAME BODY…
    local name=$1
    shift
    printf "<domain type='kvm'>\n  <name>%s</name>\n  <memory unit='MiB'>64</memory>\n" "$name"
    printf "  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n"
    printf '%s\n' "$@"
    printf "</domain>\n"
}

hostile_xml_battery() (
    local dir=$1
    cd "$dir" || exit 1
# ---- XML entities and DTDs --------------------------------------------------------
cat >xxe.xml <<'XML'
<?xml version="1.0"?>
<!DOCTYPE domain [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<domain type='kvm'><name>&xxe;</name><memory>1024</memory>
<os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
XML

# An external DTD must never be opened: a FIFO would block the reader forever.
mkfifo evil.dtd
cat >external-dtd.xml <<XML
<?xml version="1.0"?>
<!DOCTYPE domain SYSTEM "$dir/evil.dtd">
<domain type='kvm'><name>a&e;</name><memory>1024</memory>
<os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
XML

cat >net-dtd.xml <<'XML'
<?xml version="1.0"?>
<!DOCTYPE domain PUBLIC "-//x//y" "http://127.0.0.1:9/evil.dtd">
<domain type='kvm'><name>net</name><memory>1024</memory>
<os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
XML

{
    echo '<?xml version="1.0"?>'
    echo '<!DOCTYPE lolz ['
    echo ' <!ENTITY lol "lol">'
    prev=lol
    for i in 1 2 3 4 5 6 7 8 9; do
        echo " <!ENTITY lol$i \"$(printf "&$prev;%.0s" {1..10})\">"
        prev=lol$i
    done
    echo ']>'
    echo "<domain type='kvm'><name>&lol9;</name><memory>1024</memory>"
    echo "<os><type arch='x86_64' machine='q35'>hvm</type></os></domain>"
} >laughs.xml

# ---- size, nesting, bytes -----------------------------------------------------------
{
    domain deep "<metadata>"
} | head -n -1 >deep.xml
for ((i = 0; i < 20000; i++)); do printf '<a>'; done >>deep.xml
for ((i = 0; i < 20000; i++)); do printf '</a>'; done >>deep.xml
printf '</metadata>\n</domain>\n' >>deep.xml

# 100 MB: refused by size before it is read (or parsed); from a file and from stdin.
{
    domain big "<metadata><x>"
} | head -n -1 >big.xml
head -c $((100 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >>big.xml
printf '</x></metadata>\n</domain>\n' >>big.xml

domain "nul" >nul.xml
printf 'x\0<evil/>' >>nul.xml

domain "$(printf 'bad\xff\xfeutf8')" >utf8.xml

domain "overlong$(printf '\xc0\xaf')" >overlong.xml

# ---- absurd numbers -----------------------------------------------------------------------
disk() { # disk EXTRA: a virtio disk with EXTRA inside
    printf "<devices><disk type='file' device='disk'><source file='/d.qcow2'/><target dev='vda' bus='virtio'/>%s</disk></devices>" "$1"
}
pci="<address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>"
domain order-ok "$(disk "<boot order='1'/>$pci")" >order-ok.xml
domain order-huge "$(disk "<boot order='99999999999999999999999'/>$pci")" >order-huge.xml
domain order-neg "$(disk "<boot order='-1'/>$pci")" >order-neg.xml
domain order-max "$(disk "<boot order='4294967296'/>$pci")" >order-max.xml
domain slot-huge "$(disk "<address type='pci' domain='0x0000' bus='0x00' slot='0xffffffffffffffffff' function='0x0'/>")" >slot-huge.xml
domain bus-huge "$(disk "<address type='pci' domain='0x0000' bus='0x100' slot='0x01' function='0x0'/>")" >bus-huge.xml
domain dom-huge "$(disk "<address type='pci' domain='0x100000000' bus='0x00' slot='0x01' function='0x0'/>")" >dom-huge.xml
domain timeout | sed "s|<os><type arch='x86_64' machine='q35'>hvm</type></os>|<os><type arch='x86_64' machine='q35'>hvm</type><bootmenu enable='yes' timeout='99999999999'/></os>|" >menu.xml
domain mem | sed "s|<memory unit='MiB'>64</memory>|<memory unit='EiB'>99999999999999999999</memory>|" >mem.xml
)
