" Vim syntax file for the listing in Esker's bytecode view (:EskerBytecode):
" function headers, instruction lines, source-line comments and the tables of
" constants, locals, upvalues and handlers.
if exists('b:current_syntax')
  finish
endif

syntax match eskerBytecodeHeader '^\%(\l\+ \)\=function\s\+\S\+' contains=eskerBytecodeFunction
syntax match eskerBytecodeFunction '\%(function\s\+\)\@<=\S\+' contained
syntax match eskerBytecodeSummary '^\d\+ params\>.*$'
syntax match eskerBytecodeSource '^\s*--\s*\d\+:.*$'
syntax match eskerBytecodeTable '^\%(constants\|locals\|upvalues\|handlers\) (\d\+):$'
syntax match eskerBytecodeNote '^(.*)$'

" An instruction: an optional `-->` marker, the pc, [line:col], the opcode, operands.
syntax match eskerBytecodeInstruction '^\%(-->\)\=\s*\d\+\s\+\[[^]]*\]\s\+\u[A-Z0-9_]*.*$'
      \ contains=eskerBytecodeCurrent,eskerBytecodePc,eskerBytecodePosition,eskerBytecodeOpcode,
      \ eskerBytecodeRegister,eskerBytecodeConstant,eskerBytecodeUpvalue,eskerBytecodeProto,
      \ eskerBytecodeJump,eskerBytecodeComment
syntax match eskerBytecodeCurrent '^-->' contained
syntax match eskerBytecodePc '^\%(-->\)\=\s*\zs\d\+' contained
syntax match eskerBytecodePosition '\[[^]]*\]' contained
syntax match eskerBytecodeOpcode '\%(\]\s\+\)\@<=\u[A-Z0-9_]*' contained
syntax match eskerBytecodeRegister '\<[RF]\d\+\>' contained
syntax match eskerBytecodeConstant '\<K\d\+\>' contained
syntax match eskerBytecodeUpvalue '\<U\d\+\>' contained
syntax match eskerBytecodeProto '\<P\d\+\>' contained
syntax match eskerBytecodeJump '→\s*\d\+' contained
syntax match eskerBytecodeComment ';.*$' contained

highlight default link eskerBytecodeHeader Keyword
highlight default link eskerBytecodeFunction Function
highlight default link eskerBytecodeSummary Comment
highlight default link eskerBytecodeSource Comment
highlight default link eskerBytecodeTable Title
highlight default link eskerBytecodeNote WarningMsg
highlight default link eskerBytecodeCurrent Special
highlight default link eskerBytecodePc LineNr
highlight default link eskerBytecodePosition Comment
highlight default link eskerBytecodeOpcode Statement
highlight default link eskerBytecodeRegister Identifier
highlight default link eskerBytecodeConstant Constant
highlight default link eskerBytecodeUpvalue Identifier
highlight default link eskerBytecodeProto Function
highlight default link eskerBytecodeJump Label
highlight default link eskerBytecodeComment Comment

let b:current_syntax = 'eskerbytecode'
