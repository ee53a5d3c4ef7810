"""How the sandbox processes flows and invoices: deposit, time moving on, the business rules (rules.py), per-flow
integration delays, and the supplier's actions on an invoice (complete, recycle). Mixed into SandboxState."""

import dataclasses
import itertools
from datetime import timedelta

from . import data, rules
from .parsing import FlowParseError, ParsedInvoice, parse_flow
from .records import FLOW_STEPS, NEXT_STATUS, STATUS_CODES, Flow, Invoice, SandboxError, billing_frame_code, now
from .works import WorksCircuit

# Flow numbers stay unique for the life of the process, across resets, as on Chorus Pro.
_FLOW_SEQUENCE = itertools.count(1)


class FlowProcessing(WorksCircuit):
    """Flows and invoices of :class:`~.state.SandboxState` (callers hold ``self.lock`` or take it here)."""

    # ------------------------------------------------------------------ control

    def set_rules(self, disabled=(), enabled=(), reset=False):
        """Switch business rules off (``disabled``) or on (``enabled``) by id; ``reset``: back to the defaults."""
        unknown = (set(disabled) | set(enabled)) - set(rules.RULE_IDS)
        if unknown:
            raise ValueError(f'unknown rules {sorted(unknown)}, expected some of {list(rules.RULE_IDS)}')
        with self.lock:
            if reset:
                self.rules = rules.default_rules()
            self.rules = (self.rules - set(disabled)) | set(enabled)
            return {'enabled': [rule for rule in rules.RULE_IDS if rule in self.rules],
                    'disabled': [rule for rule in rules.RULE_IDS if rule not in self.rules]}

    def delay_flows(self, flow_number=None, steps=0, hours=0, count=1):
        """Keep flows pending: ``steps`` moves of time ignored and/or ``hours`` (Paris wall clock) before they move.

        With ``flow_number``, that flow; without, the next ``count`` flows deposited. ``flows_to_final`` does not
        skip a delay: the flow stays pending (« en attente de traitement ») until its delay is over.
        """
        delay = {'steps': int(steps), 'hours': float(hours)}
        with self.lock:
            if flow_number is None:
                self.next_delays.extend([delay] * int(count))
                return {'next_flows_delayed': len(self.next_delays)}
            flow = self.flows.get(flow_number)
            if flow is None:
                raise ValueError(f'unknown flow {flow_number!r}')
            self._hold(flow, delay)
            return {'flow': flow.number, 'held_steps': flow.held_steps, 'held_until': str(flow.held_until or '')}

    def _hold(self, flow, delay):
        flow.held_steps = delay['steps']
        flow.held_until = now() + timedelta(hours=delay['hours']) if delay['hours'] else None

    def seed_invoices(self, count, buyer_id=data.LYCEE_ID, status='DEPOSEE', prefix='SEED', flow_each=False):
        """Create ``count`` integrated invoices in one integrated flow, fast (benchmarks); ``flow_each``: one
        integrated flow per invoice, as after a mass send of single deposits (the answer lists them, in order)."""
        if status not in STATUS_CODES:
            raise ValueError(f'unknown invoice status {status!r}')
        with self.lock:
            buyer = self.structures[int(buyer_id)]
            flow = self._new_flow('seed.tar.gz', 'IN_DP_E1_UBL_INVOICE')
            flow.state = 'IN_INTEGRE'
            flows = [flow]
            start = now()
            for index in range(1, int(count) + 1):
                if flow_each and index > 1:
                    flow = self._new_flow(f'seed-{index}.xml', 'IN_DP_E1_UBL_INVOICE')
                    flow.state = 'IN_INTEGRE'
                    flows.append(flow)
                parsed = ParsedInvoice(
                    number=f'{prefix}-{flow.number[-8:]}-{index:06d}', kind='FACTURE', issue_date=start.date(),
                    currency='EUR', total_untaxed=100.0 + index, total_taxed=120.0 + index * 1.2,
                    amount_due=120.0 + index * 1.2, buyer_siret=buyer['siret'], buyer_name=buyer['name'],
                    supplier_siret=data.SUPPLIER_SIRET, supplier_name=data.SUPPLIER_NAME, service_code='',
                    commitment='', market='', billing_frame='A1', payment_means='30')
                invoice = self._create_invoice(flow, parsed, buyer, None)
                if status != 'DEPOSEE':
                    self._set_status(invoice, status, '')
        first, last = flows[0], flows[-1]
        return {'flow': first.number, 'first_id': first.invoice_ids[0] if first.invoice_ids else None,
                'last_id': last.invoice_ids[-1] if last.invoice_ids else None,
                **({'flows': [f.number for f in flows]} if flow_each else {})}

    # ------------------------------------------------------------------ deposits and time

    def deposit(self, content, filename, syntax):
        """Record a flow (state ``IN_RECU``); its invoices are checked when it reaches its final state."""
        with self.lock:
            flow = self._new_flow(filename, syntax)
            if self.next_delays:
                self._hold(flow, self.next_delays.pop(0))
            try:
                flow.parsed = parse_flow(content, filename, syntax)
            except FlowParseError as exc:
                flow.technical_errors.append({'codeErreur': exc.code, 'libelleErreur': exc.message,
                                              'natureErreur': 'TECHNIQUE'})
            return flow

    def _new_flow(self, filename, syntax):
        deposited = now()
        number = f'CPP{deposited:%Y%m%d%H%M%S}{next(_FLOW_SEQUENCE):08d}'
        flow = Flow(number=number, deposited_at=deposited, syntax=syntax, filename=filename, state_at=deposited)
        self.flows[number] = flow
        self.version += 1
        return flow

    def _advance_flows(self, to_final):
        moved = 0
        for flow in self.flows.values():
            if flow.state not in FLOW_STEPS:
                continue
            if flow.held_steps > 0 or (flow.held_until and now() < flow.held_until):
                flow.held_steps = max(0, flow.held_steps - 1)
                if flow.state == 'IN_RECU':  # received, then waits: « en attente de traitement »
                    flow.state, flow.state_at = 'IN_EN_ATTENTE_TRAITEMENT_CPP', now()
                continue
            position = FLOW_STEPS.index(flow.state)
            if to_final or position == len(FLOW_STEPS) - 1:
                self._integrate(flow)
            else:
                flow.state, flow.state_at = FLOW_STEPS[position + 1], now()
            moved += 1
        self.version += 1
        return moved

    def _advance_invoices(self):
        moved = 0
        for invoice in self.invoices.values():
            if invoice.later_outcome:  # refused on the buyer's side (rules.py): REJETEE or A_RECYCLER
                status, comment = invoice.later_outcome
                invoice.later_outcome = None
                self._set_status(invoice, status, comment)
                moved += 1
                continue
            handled = self._advance_works_piece(invoice)
            if handled is not None:  # a works piece on its MOE / MOA way (works.py)
                moved += handled
                continue
            following = NEXT_STATUS.get(invoice.status)
            buyer = self.structures[invoice.buyer_id]
            if following == 'MISE_EN_PAIEMENT' and buyer['parametres']['statutMiseEnPaiementNestPasRemonte']:
                continue
            if following:
                self._set_status(invoice, following, '')
                moved += 1
        return moved

    def _integrate(self, flow):
        """Apply the business rules to every invoice of the flow, create those that pass, give the final state."""
        if not flow.technical_errors:
            known = {(inv.parsed.supplier_siret, inv.parsed.number) for inv in self.invoices.values()
                     if inv.status != 'SUPPRIMEE'}
            pieces = self._held_pieces()
            for parsed in flow.parsed:
                buyer = self.find_structure(siret=parsed.buyer_siret)
                service = self._service(buyer, parsed.service_code)
                case = self._case(parsed, buyer, service, known, pieces)
                refusals, later = rules.check_invoice(case, self.rules)
                for refusal in refusals:
                    flow.dp_errors.append({'identifiantFournisseur': parsed.supplier_siret,
                                           'identifiantDestinataire': parsed.buyer_siret,
                                           'numeroDP': parsed.number, 'libelleErreurDP': refusal})
                if not refusals:
                    known.add((parsed.supplier_siret, parsed.number))
                    invoice = self._create_invoice(flow, parsed, buyer, service)
                    invoice.later_outcome = later
                    pieces[(parsed.supplier_siret, parsed.number)] = invoice.billing_frame
                    self._file_works_piece(invoice)
        if flow.technical_errors or not flow.invoice_ids:
            state = 'IN_REJETE'
        else:
            state = 'IN_INTEGRE_PARTIEL' if flow.dp_errors else 'IN_INTEGRE'
        flow.state, flow.state_at = state, now()

    def _held_pieces(self):
        """``{(supplier SIRET, number): billing frame}`` of the invoices the platform holds."""
        return {(inv.parsed.supplier_siret, inv.parsed.number): inv.billing_frame
                for inv in self.invoices.values() if inv.status != 'SUPPRIMEE'}

    def _case(self, parsed, buyer, service, known, pieces):
        """One invoice with what the business rules (rules.py) read around it."""
        return rules.Case(parsed=parsed, buyer=buyer, service=service, known=known, suppliers=self.account_suppliers,
                          commitments=self.commitments, pieces=pieces,
                          structures={record['siret']: record for record in self.structures.values()})

    @staticmethod
    def _service(buyer, code):
        if not buyer or not code:
            return None
        return next((svc for svc in buyer['services'] if svc['codeService'] == code), None)

    def _create_invoice(self, flow, parsed, buyer, service):
        invoice = Invoice(id=next(self._invoice_sequence), parsed=parsed, flow_number=flow.number,
                          deposited_at=flow.deposited_at, buyer_id=buyer['idStructureCPP'], service=service,
                          billing_frame=billing_frame_code(parsed.billing_frame))
        self._set_status(invoice, 'DEPOSEE', '')
        self.invoices[invoice.id] = invoice
        flow.invoice_ids.append(invoice.id)
        return invoice

    def _set_status(self, invoice, status, comment):
        # Chorus Pro dates statuses to the second, and people act seconds apart: several steps of one ``advance``
        # get distinct seconds, so that a history reads in order however it was collected.
        stamp = now()
        if invoice.status_at and stamp < invoice.status_at + timedelta(seconds=1):
            stamp = invoice.status_at + timedelta(seconds=1)
        invoice.status, invoice.status_at, invoice.comment = status, stamp, comment
        invoice.history.append((next(self._history_sequence), status, stamp, comment))
        self.version += 1

    # ------------------------------------------------------------------ the supplier's actions

    def add_file(self, name, content, mime_type, extension):
        """transverses/ajouter/fichier: keep an attachment; its id is given to factures/completer."""
        if len(content) > data.MAX_ATTACHMENT_BYTES:
            raise SandboxError(20003, f'La taille du fichier {name} dépasse la taille maximale autorisée (10 Mo).')
        file_id = next(self._file_sequence)
        self.files[file_id] = {'name': name, 'size': len(content), 'mime': mime_type, 'extension': extension}
        return file_id

    def complete(self, invoice, file_ids, comment):
        """factures/completer: a SUSPENDUE invoice gets its documents and a comment, and becomes COMPLETEE."""
        if invoice.status != 'SUSPENDUE':
            raise SandboxError(20005, f"La facture {invoice.parsed.number} n'est pas au statut SUSPENDUE : elle ne "
                                      "peut pas être complétée.")
        unknown = [file_id for file_id in file_ids if file_id not in self.files]
        if unknown:
            raise SandboxError(20004, f"La pièce jointe {unknown[0]} n'existe pas.")
        if not file_ids and not comment:
            raise SandboxError(20001, 'Une pièce jointe ou un commentaire est obligatoire.', http_status=400)
        invoice.attachments.extend(file_ids)
        self._set_status(invoice, 'COMPLETEE', comment or '')

    def recycle(self, invoice, service_code, commitment, comment):
        """factures/recycler: an A_RECYCLER invoice gets a new routing (service, commitment) and is DEPOSEE again.

        The routing rules of rules.py apply to the new values; a refused routing leaves it A_RECYCLER.
        """
        if invoice.status != 'A_RECYCLER':
            raise SandboxError(20005, f"La facture {invoice.parsed.number} n'est pas au statut A_RECYCLER : elle "
                                      "ne peut pas être recyclée.")
        buyer = self.structures[invoice.buyer_id]
        parsed = dataclasses.replace(invoice.parsed)  # the invoice keeps its routing until the new one passes
        if service_code is not None:
            parsed.service_code = service_code
        if commitment is not None:
            parsed.commitment = commitment
        service = self._service(buyer, parsed.service_code)
        case = self._case(parsed, buyer, service, set(), self._held_pieces())
        refusals, later = rules.check_invoice(case, self.rules - {'FACTURE_DEJA_DEPOSEE'})
        if refusals or (later and later[0] == rules.RECYCLE):
            raise SandboxError(20006, (refusals or [later[1]])[0])
        invoice.parsed, invoice.service = parsed, service
        self._set_status(invoice, 'DEPOSEE', comment or '')
