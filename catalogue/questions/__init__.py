"""The questions/réponses service: written questions answered within a promised delay.

Anyone asks in writing (:mod:`.service`); the promised date counts working days on the
desk's calendar (:mod:`.delays`); staff assign, note, answer with catalogue references
and may publish an anonymised entry as a catalogue record (:mod:`.publishing`); the
service's figures (:mod:`.figures`) and the askers' personal data (:mod:`.privacy`).
"""
