//! A mapped ELF object, read once: its unwind tables for the walk, and
//! (when first asked) its symbols and line tables for names.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

use gimli::{
    BaseAddresses, EhFrame, EhFrameHdr, EndianArcSlice, LittleEndian, UnwindContext, UnwindSection,
};
use object::{Object as _, ObjectSection, ObjectSegment, ObjectSymbol, SymbolKind};

use super::unwind::{Rules, rules_of};

/// A section's place in the file and its address.
#[derive(Clone, Debug)]
struct Section {
    range: Range<usize>,
    addr: u64,
}

/// A loaded segment: file offsets `file` hold addresses from `vaddr`.
#[derive(Clone, Debug)]
struct Load {
    file: Range<u64>,
    vaddr: u64,
}

/// One ELF file as read from disk.
pub struct Object {
    data: Vec<u8>,
    loads: Vec<Load>,
    eh_frame: Option<Section>,
    eh_frame_hdr: Option<Section>,
    text: u64,
    /// Rules by address already worked out: a call site seen again costs
    /// a lookup, not a walk through its FDE's instructions.
    rules: Mutex<HashMap<u64, Result<Rules, String>>>,
    symbols: OnceLock<Symbols>,
    /// Names by address already looked up.
    names: Mutex<HashMap<u64, Names>>,
}

/// Cached rules or names beyond this many per object are dropped.
const MAX_CACHED: usize = 4096;

impl std::fmt::Debug for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Object")
            .field("len", &self.data.len())
            .finish_non_exhaustive()
    }
}

/// Function names and line tables.
struct Symbols {
    /// (start, size, name), sorted by start.
    functions: Vec<(u64, u64, String)>,
    lines: Option<Mutex<addr2line::Context<EndianArcSlice<LittleEndian>>>>,
}

/// What is known of one address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Names {
    pub function: Option<(String, u64)>,
    pub file: Option<Vec<u8>>,
    pub line: Option<u32>,
}

fn section(file: &object::File<'_>, name: &str) -> Option<Section> {
    let s = file.section_by_name(name)?;
    let (off, len) = s.file_range()?;
    let start = usize::try_from(off).ok()?;
    Some(Section {
        range: start..start.checked_add(usize::try_from(len).ok()?)?,
        addr: s.address(),
    })
}

impl Object {
    /// Parses `data` (an x86_64 ELF file's contents).
    pub fn parse(data: Vec<u8>) -> Result<Object, String> {
        let file = object::File::parse(&*data).map_err(|e| format!("not an ELF object: {e}"))?;
        if file.architecture() != object::Architecture::X86_64 {
            return Err("not an x86_64 object".into());
        }
        let loads = file
            .segments()
            .filter_map(|s| {
                let (off, len) = s.file_range();
                Some(Load {
                    file: off..off.checked_add(len)?,
                    vaddr: s.address(),
                })
            })
            .collect();
        let eh_frame = section(&file, ".eh_frame");
        let eh_frame_hdr = section(&file, ".eh_frame_hdr");
        let text = file.section_by_name(".text").map_or(0, |s| s.address());
        drop(file);
        Ok(Object {
            data,
            loads,
            eh_frame,
            eh_frame_hdr,
            text,
            rules: Mutex::new(HashMap::new()),
            symbols: OnceLock::new(),
            names: Mutex::new(HashMap::new()),
        })
    }

    /// The address in the file's own terms (SVMA) of file offset `off`.
    pub fn svma_of_offset(&self, off: u64) -> Option<u64> {
        self.loads
            .iter()
            .find(|l| l.file.contains(&off))
            .map(|l| off - l.file.start + l.vaddr)
    }

    /// The unwind rules at `svma`.
    pub fn rules_at(&self, svma: u64, ctx: &mut UnwindContext<usize>) -> Result<Rules, String> {
        let mut cache = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = cache.get(&svma) {
            return r.clone();
        }
        let r = self.find_rules(svma, ctx);
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(svma, r.clone());
        r
    }

    fn find_rules(&self, svma: u64, ctx: &mut UnwindContext<usize>) -> Result<Rules, String> {
        let Some(frame) = &self.eh_frame else {
            return Err("no .eh_frame".into());
        };
        let mut eh_frame = EhFrame::new(&self.data[frame.range.clone()], LittleEndian);
        eh_frame.set_address_size(8);
        let mut bases = BaseAddresses::default()
            .set_eh_frame(frame.addr)
            .set_text(self.text);
        let hdr = self.eh_frame_hdr.as_ref().and_then(|h| {
            bases = bases.clone().set_eh_frame_hdr(h.addr);
            EhFrameHdr::new(&self.data[h.range.clone()], LittleEndian)
                .parse(&bases, 8)
                .ok()
        });
        let row = match hdr.as_ref().and_then(|h| h.table()) {
            Some(table) => table.unwind_info_for_address(
                &eh_frame,
                &bases,
                ctx,
                svma,
                EhFrame::cie_from_offset,
            ),
            None => eh_frame.unwind_info_for_address(&bases, ctx, svma, EhFrame::cie_from_offset),
        };
        match row {
            Ok(row) => Ok(rules_of(row)),
            Err(gimli::Error::NoUnwindInfoForAddress) => {
                Err(format!("no .eh_frame rule covers {svma:#x}"))
            }
            Err(e) => Err(format!(".eh_frame unreadable: {e}")),
        }
    }

    /// The function, file and line at `svma`.
    pub fn names(&self, svma: u64) -> Names {
        let mut cache = self.names.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = cache.get(&svma) {
            return n.clone();
        }
        let n = self.look_up_names(svma);
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(svma, n.clone());
        n
    }

    fn look_up_names(&self, svma: u64) -> Names {
        let symbols = self.symbols.get_or_init(|| Symbols::read(&self.data));
        let function = symbols
            .functions
            .partition_point(|(start, _, _)| *start <= svma)
            .checked_sub(1)
            .map(|i| &symbols.functions[i])
            .filter(|(start, size, _)| svma < start + size)
            .map(|(start, _, name)| (name.clone(), svma - start));
        let (file, line) = symbols
            .lines
            .as_ref()
            .and_then(|ctx| {
                let ctx = ctx.lock().unwrap_or_else(|e| e.into_inner());
                let loc = ctx.find_location(svma).ok()??;
                Some((loc.file.map(|f| f.as_bytes().to_vec()), loc.line))
            })
            .unwrap_or_default();
        Names {
            function,
            file,
            line,
        }
    }
}

impl Symbols {
    fn read(data: &[u8]) -> Symbols {
        let Ok(file) = object::File::parse(data) else {
            return Symbols {
                functions: Vec::new(),
                lines: None,
            };
        };
        let mut functions: Vec<(u64, u64, String)> = file
            .symbols()
            .chain(file.dynamic_symbols())
            .filter(|s| s.kind() == SymbolKind::Text && s.is_definition() && s.size() > 0)
            .filter_map(|s| {
                let name = s.name().ok()?;
                Some((
                    s.address(),
                    s.size(),
                    format!("{:#}", rustc_demangle::demangle(name)),
                ))
            })
            .collect();
        functions.sort_by_key(|(start, _, _)| *start);
        functions.dedup_by_key(|(start, _, _)| *start);
        let lines = file
            .section_by_name(".debug_line")
            .is_some()
            .then(|| {
                let dwarf = gimli::Dwarf::load(|id| -> Result<_, gimli::Error> {
                    let bytes = file
                        .section_by_name(id.name())
                        .and_then(|s| s.data().ok())
                        .unwrap_or(&[]);
                    Ok(EndianArcSlice::new(Arc::from(bytes), LittleEndian))
                })
                .ok()?;
                addr2line::Context::from_dwarf(dwarf).ok().map(Mutex::new)
            })
            .flatten();
        Symbols { functions, lines }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // No inlined calls in it: its addresses' lines are its own.
    #[inline(never)]
    fn a_function_with_a_name(x: u64) -> u64 {
        x.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17)
    }

    /// This test binary, read as any other object: rules and a name for
    /// one of its functions.
    #[test]
    fn the_test_binary_has_rules_and_names_for_its_functions() {
        let data = std::fs::read("/proc/self/exe").unwrap();
        let obj = Object::parse(data).unwrap();
        let maps = super::super::maps::parse(&std::fs::read("/proc/self/maps").unwrap());
        let avma = a_function_with_a_name as fn(u64) -> u64 as usize as u64;
        assert_ne!(a_function_with_a_name(std::env::args().count() as u64), 0);
        let m = maps.iter().find(|m| m.contains(avma)).unwrap();
        let svma = obj.svma_of_offset(avma - m.start + m.offset).unwrap();
        let mut ctx = UnwindContext::new();
        let rules = obj.rules_at(svma + 1, &mut ctx).unwrap();
        assert_eq!(rules.ra, super::super::unwind::Saved::At(-8));
        let names = obj.names(svma + 1);
        let (name, off) = names.function.unwrap();
        assert!(name.ends_with("a_function_with_a_name"), "{name}");
        assert_eq!(off, 1);
        assert!(
            names
                .file
                .as_ref()
                .is_some_and(|f| f.ends_with(b"src/decode/stack/object.rs")),
            "{:?}",
            names.file.as_ref().map(|f| String::from_utf8_lossy(f))
        );
        assert!(
            obj.rules_at(0, &mut ctx)
                .unwrap_err()
                .contains("no .eh_frame rule")
        );
    }
}
