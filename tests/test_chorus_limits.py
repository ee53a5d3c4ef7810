"""The sandbox's limits and time, through the client: size limits, Retry-After, flows pending for hours, the
supplier's actions (completer, ajouter/fichier, recycler)."""

import base64
import contextlib
import io
import time

from ..chorus_client import SYNTAX_UBL, ChorusBusinessError
from ..chorus_sandbox.__main__ import main as sandbox_cli
from ..chorus_sandbox.samples import ubl_invoice
from .test_chorus_client import SandboxTestCase
from .test_chorus_sandbox import LYCEE, TestHttp


class TestLimitsAndTime(SandboxTestCase):
    """Size limits, Retry-After on the transient faults, flows kept pending for hours."""

    post, token = TestHttp.post, TestHttp.token

    def test_size_limits(self):
        big = b'<x/>' + b' ' * (10 * 1024 * 1024)
        answer = self.post('/cpro/factures/v1/deposer/flux', {
            'fichierFlux': base64.b64encode(big).decode(), 'nomFichier': 'f.xml', 'syntaxeFlux': SYNTAX_UBL})
        self.assertEqual(answer.status_code, 413)
        answer = self.post('/cpro/transverses/v1/ajouter/fichier', {
            'pieceJointeFichier': base64.b64encode(big).decode(), 'pieceJointeNom': 'bl.pdf'})
        self.assertEqual((answer.status_code, answer.json()['codeRetour']), (200, 20003))

    def test_retry_after_is_honoured_by_reads(self):
        self.state.add_fault('structures/consulter', '503', retry_after=1)
        started = time.monotonic()
        self.assertEqual(self.client.get_structure(26000101)['codeRetour'], 0)
        self.assertGreaterEqual(time.monotonic() - started, 0.9)

    def test_flow_pending_for_hours_while_the_others_integrate(self):
        first = self.client.deposit(ubl_invoice('H-1', LYCEE), 'a.xml', SYNTAX_UBL).flow_number
        self.state.delay_flows(first, hours=6)
        self.state.delay_flows(steps=1)  # the next flow deposited ignores one move of time
        second = self.client.deposit(ubl_invoice('H-2', LYCEE), 'b.xml', SYNTAX_UBL).flow_number
        third = self.client.deposit(ubl_invoice('H-3', LYCEE), 'c.xml', SYNTAX_UBL).flow_number
        self.state.advance(flows_to_final=True)
        states = {n: self.client.flow_report(n).state for n in (first, second, third)}
        self.assertEqual(states, {first: 'IN_EN_ATTENTE_TRAITEMENT_CPP', second: 'IN_EN_ATTENTE_TRAITEMENT_CPP',
                                  third: 'IN_INTEGRE'})
        self.state.advance(flows_to_final=True)
        self.assertEqual(self.client.flow_report(second).state, 'IN_INTEGRE')
        self.assertEqual(self.client.flow_report(first).state, 'IN_EN_ATTENTE_TRAITEMENT_CPP')
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(sandbox_cli(['delay-flows', '--url', self.sandbox.url, '--flow', first]), 0)
        self.state.advance(flows_to_final=True)
        self.assertEqual(self.client.flow_report(first).state, 'IN_INTEGRE')

    def test_complete_and_recycle_through_the_client(self):
        number = self.client.deposit(ubl_invoice('C-1', LYCEE), 'a.xml', SYNTAX_UBL).flow_number
        self.state.advance(flows_to_final=True)
        [invoice] = self.client.find_invoices(flow_number=number)
        self.state.set_invoice_status('SUSPENDUE', invoice_id=invoice.cpp_id)
        piece = self.client.upload(b'%PDF-1.4', 'bon de livraison.pdf', 'application/pdf')
        self.assertEqual(self.client.complete(invoice.cpp_id, [piece], 'BL joint').status, 'COMPLETEE')
        self.state.set_invoice_status('A_RECYCLER', invoice_id=invoice.cpp_id)
        with self.assertRaises(ChorusBusinessError):  # the lycée has no such service
            self.client.recycle(invoice.cpp_id, service_code='NOPE')
        self.assertEqual(self.client.recycle(invoice.cpp_id, commitment='EJ-7').status, 'DEPOSEE')
        self.assertEqual([s.status for s in self.client.invoice_history(invoice.cpp_id)][-3:],
                         ['COMPLETEE', 'A_RECYCLER', 'DEPOSEE'])
